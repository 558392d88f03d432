import { relationKey } from '../../../src/ddl/identifiers';
import { addedForeignKey, withoutViewForeignKeys } from '../../../src/plan/table-statements';

const toView =
  'ALTER TABLE "orders" ADD CONSTRAINT "FK_stats" FOREIGN KEY ("user_id") REFERENCES "user_stats"("user_id") ON DELETE NO ACTION ON UPDATE NO ACTION';
const toTable =
  'ALTER TABLE "orders" ADD CONSTRAINT "FK_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE NO ACTION ON UPDATE NO ACTION';
const views = new Set([relationKey({ schema: 'public', name: 'user_stats' })]);
const q = (query: string) => ({ query, parameters: [] });

describe('addedForeignKey', () => {
  it("reads TypeORM's ADD CONSTRAINT ... FOREIGN KEY statement", () => {
    expect(addedForeignKey(toView, 'public')).toEqual({
      table: { schema: 'public', name: 'orders' },
      constraint: 'FK_stats',
      references: { schema: 'public', name: 'user_stats' },
    });
  });

  it('reads qualified names, quoted names with ")" and "," in them, and several columns', () => {
    expect(
      addedForeignKey(
        'ALTER TABLE "app"."order lines" ADD CONSTRAINT "FK_x" FOREIGN KEY ("a)", "b,c") REFERENCES "Reports"."Stats" ("a", "b")',
        'public',
      ),
    ).toEqual({
      table: { schema: 'app', name: 'order lines' },
      constraint: 'FK_x',
      references: { schema: 'Reports', name: 'Stats' },
    });
  });

  it('is undefined for other statements', () => {
    for (const sql of [
      'ALTER TABLE "orders" ADD CONSTRAINT "UQ_x" UNIQUE ("user_id")',
      'ALTER TABLE "orders" ADD "note" character varying',
      'CREATE TABLE "orders" ("id" SERIAL NOT NULL)',
      'ALTER TABLE "orders" DROP CONSTRAINT "FK_stats"',
    ])
      expect(addedForeignKey(sql, 'public')).toBeUndefined();
  });
});

describe('withoutViewForeignKeys', () => {
  it('drops foreign keys to declared views, up and down, and keeps the rest', () => {
    const up = [q('CREATE TABLE "orders" ("id" SERIAL NOT NULL)'), q(toView), q(toTable)];
    const down = [
      q('ALTER TABLE "orders" DROP CONSTRAINT "FK_user"'),
      q('ALTER TABLE "orders" DROP CONSTRAINT "FK_stats"'),
      q('DROP TABLE "orders"'),
    ];
    expect(withoutViewForeignKeys(up, down, views, 'public')).toEqual({
      up: [up[0], up[2]],
      down: [down[0], down[2]],
    });
  });

  it('keeps a same-named constraint on another table, and foreign keys to a same-named table in another schema', () => {
    const other = q(toView.replace('"user_stats"', '"archive"."user_stats"'));
    const down = [q('ALTER TABLE "invoices" DROP CONSTRAINT "FK_stats"')];
    expect(withoutViewForeignKeys([other, q(toView)], down, views, 'public')).toEqual({ up: [other], down });
  });

  it('reads unqualified names in the default schema', () => {
    const inReports = new Set([relationKey({ schema: 'reports', name: 'user_stats' })]);
    expect(withoutViewForeignKeys([q(toView)], [], inReports, 'reports').up).toEqual([]);
    expect(withoutViewForeignKeys([q(toView)], [], inReports, 'public').up).toHaveLength(1);
  });
});
