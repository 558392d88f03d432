// Entities for the auto-refresh tests: customers, purchases (soft-deletable, tagged through a junction
// table), an unrelated table, and materialized views over them with short debounce windows.
import { Column, DeleteDateColumn, Entity, JoinTable, ManyToMany, PrimaryGeneratedColumn, ViewColumn } from 'typeorm';
import { MaterializedView } from '../../src';

@Entity({ name: 'customers' })
export class Customer {
  @PrimaryGeneratedColumn() id!: number;
  @Column() name!: string;
}

@Entity({ name: 'tags' })
export class Tag {
  @PrimaryGeneratedColumn() id!: number;
  @Column() label!: string;
}

@Entity({ name: 'purchases' })
export class Purchase {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: 'customer_id' }) customerId!: number;
  @Column('int') amount!: number;
  @DeleteDateColumn({ name: 'deleted_at' }) deletedAt?: Date | null;
  @ManyToMany(() => Tag, { cascade: true })
  @JoinTable({ name: 'purchase_tags', joinColumn: { name: 'purchase_id' }, inverseJoinColumn: { name: 'tag_id' } })
  tags?: Tag[];
}

@Entity({ name: 'notes' })
export class Note {
  @PrimaryGeneratedColumn() id!: number;
  @Column() body!: string;
}

@Entity({ name: 'shipments' })
export class Shipment {
  @PrimaryGeneratedColumn() id!: number;
  /** A DEFERRABLE INITIALLY DEFERRED foreign key is added by the tests: COMMIT can fail. */
  @Column({ name: 'customer_id' }) customerId!: number;
}

@Entity({ name: 'fractions' })
export class Fraction {
  @PrimaryGeneratedColumn() id!: number;
  @Column('int') divisor!: number;
}

const fast = { debounceMs: 10, maxWaitMs: 50 };

@MaterializedView({
  name: 'purchase_totals',
  expression: `SELECT customer_id, count(*)::int AS purchases, sum(amount)::int AS total
                 FROM purchases WHERE deleted_at IS NULL GROUP BY customer_id`,
  indexes: [{ columns: ['customer_id'], unique: true }],
  autoRefresh: fast,
})
export class PurchaseTotals {
  @ViewColumn({ name: 'customer_id' }) customerId!: number;
  @ViewColumn() purchases!: number;
  @ViewColumn() total!: number;
}

/** Reads another auto-refreshed materialized view: refreshed after it. */
@MaterializedView({
  name: 'customer_ranks',
  expression: `SELECT c.id AS customer_id, c.name, coalesce(t.total, 0) AS total
                 FROM customers c LEFT JOIN purchase_totals t ON t.customer_id = c.id`,
  autoRefresh: { ...fast, concurrently: false },
})
export class CustomerRank {
  @ViewColumn({ name: 'customer_id' }) customerId!: number;
  @ViewColumn() name!: string;
  @ViewColumn() total!: number;
}

@MaterializedView({
  name: 'tag_counts',
  expression: 'SELECT tag_id, count(*)::int AS uses FROM purchase_tags GROUP BY tag_id',
  indexes: [{ columns: ['tag_id'], unique: true }],
  autoRefresh: fast,
})
export class TagCounts {
  @ViewColumn({ name: 'tag_id' }) tagId!: number;
  @ViewColumn() uses!: number;
}

@MaterializedView({
  name: 'shipment_counts',
  expression: 'SELECT customer_id, count(*)::int AS shipments FROM shipments GROUP BY customer_id',
  autoRefresh: fast,
})
export class ShipmentCounts {
  @ViewColumn({ name: 'customer_id' }) customerId!: number;
  @ViewColumn() shipments!: number;
}

/** Fails to refresh while a divisor is 0. */
@MaterializedView({
  name: 'fraction_values',
  expression: 'SELECT id, 100 / divisor AS value FROM fractions',
  autoRefresh: { debounceMs: 10, maxWaitMs: 50 },
})
export class FractionValues {
  @ViewColumn() id!: number;
  @ViewColumn() value!: number;
}

/** Watches notes only through `autoRefresh.on`; never declared on purchases. */
@MaterializedView({
  name: 'note_count',
  expression: 'SELECT count(*)::int AS notes FROM notes',
  autoRefresh: { on: [Note], debounceMs: 10, maxWaitMs: 50 },
})
export class NoteCount {
  @ViewColumn() notes!: number;
}

export const autoRefreshEntities = [
  Customer,
  Tag,
  Purchase,
  Note,
  Shipment,
  Fraction,
  PurchaseTotals,
  CustomerRank,
  TagCounts,
  ShipmentCounts,
  FractionValues,
  NoteCount,
];

/** Refreshed only by flush() within a test (the windows are far longer than any test). */
@MaterializedView({
  name: 'purchase_totals_manual',
  expression: `SELECT customer_id, count(*)::int AS purchases, sum(amount)::int AS total
                 FROM purchases GROUP BY customer_id`,
  indexes: [{ columns: ['customer_id'], unique: true }],
  autoRefresh: { debounceMs: 600_000, maxWaitMs: 600_000 },
})
export class PurchaseTotalsManual {
  @ViewColumn({ name: 'customer_id' }) customerId!: number;
  @ViewColumn() purchases!: number;
  @ViewColumn() total!: number;
}

/** A realistic window: bursts coalesce. */
@MaterializedView({
  name: 'purchase_totals_burst',
  expression: `SELECT customer_id, count(*)::int AS purchases, sum(amount)::int AS total
                 FROM purchases GROUP BY customer_id`,
  indexes: [{ columns: ['customer_id'], unique: true }],
  autoRefresh: { debounceMs: 50, maxWaitMs: 1000 },
})
export class PurchaseTotalsBurst {
  @ViewColumn({ name: 'customer_id' }) customerId!: number;
  @ViewColumn() purchases!: number;
  @ViewColumn() total!: number;
}

/** The entities of the load and multi-process tests. */
export const burstEntities = [Customer, Tag, Purchase, PurchaseTotalsManual, PurchaseTotalsBurst];
