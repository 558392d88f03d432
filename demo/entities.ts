// The quick-start model: users and their orders.
import { Column, CreateDateColumn, Entity, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn() id!: number;
  @Column() name!: string;
  @Column({ name: 'is_active', default: true }) isActive!: boolean;
  @OneToMany(() => Order, (order) => order.user) orders!: Order[];
}

@Entity({ name: 'orders' })
export class Order {
  @PrimaryGeneratedColumn() id!: number;
  @ManyToOne(() => User, (user) => user.orders, { nullable: false, onDelete: 'CASCADE' }) user!: User;
  @Column('numeric', { precision: 10, scale: 2 }) amount!: string;
  @CreateDateColumn({ name: 'created_at' }) createdAt!: Date;
}
