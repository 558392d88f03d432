// The quick-start model: users, their orders, a view of active users, and a materialized view of
// per-user statistics with a unique index (so it can be refreshed CONCURRENTLY).
import { Column, Entity, ManyToOne, PrimaryGeneratedColumn, ViewColumn } from 'typeorm';
import { MaterializedView, PgView } from '../src';

@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn() id!: number;
  @Column() name!: string;
  @Column({ name: 'is_active', default: true }) isActive!: boolean;
}

@Entity({ name: 'orders' })
export class Order {
  @PrimaryGeneratedColumn() id!: number;
  @ManyToOne(() => User, { nullable: false, onDelete: 'CASCADE' }) user!: User;
  @Column('numeric', { precision: 10, scale: 2 }) amount!: string;
}

@PgView({
  name: 'active_users',
  expression: (ds) =>
    ds
      .createQueryBuilder()
      .select('u.id', 'id')
      .addSelect('u.name', 'name')
      .from(User, 'u')
      .where('u.is_active = true'),
})
export class ActiveUser {
  @ViewColumn() id!: number;
  @ViewColumn() name!: string;
}

@MaterializedView({
  name: 'user_stats',
  expression: `
    SELECT u.id AS user_id, u.name, count(o.id)::int AS order_count, coalesce(sum(o.amount), 0) AS total_spent
      FROM active_users u LEFT JOIN orders o ON o."userId" = u.id
     GROUP BY u.id, u.name`,
  indexes: [
    { columns: ['user_id'], unique: true },
    { columns: ['total_spent'], where: 'total_spent > 0' },
  ],
  // refreshed after commits that change users or orders (found through the catalog); see docs/auto-refresh.md
  autoRefresh: { debounceMs: 50, maxWaitMs: 500 },
})
export class UserStats {
  @ViewColumn({ name: 'user_id' }) userId!: number;
  @ViewColumn() name!: string;
  @ViewColumn({ name: 'order_count' }) orderCount!: number;
  @ViewColumn({ name: 'total_spent' }) totalSpent!: string;
}

export const quickstartEntities = [User, Order, ActiveUser, UserStats];
