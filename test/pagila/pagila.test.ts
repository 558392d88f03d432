import { useTestDatabase } from '../support/database';
import { PAGILA_MATVIEW, PAGILA_VIEWS, pagilaTemplate } from './support/pagila';

const db = useTestDatabase({ template: pagilaTemplate });

describe('the Pagila fixture', () => {
  it('loads tables, data and all seven views and the materialized view', async () => {
    const [counts] = await db.query<{ rentals: string; payments: string; films: string }>(
      'SELECT (SELECT count(*) FROM rental) AS rentals, (SELECT count(*) FROM payment) AS payments, (SELECT count(*) FROM film) AS films',
    );
    expect(Number(counts!.rentals)).toBe(16044);
    expect(Number(counts!.payments)).toBe(16049);
    expect(Number(counts!.films)).toBe(1000);
    const views = await db.query<{ name: string }>(
      "SELECT viewname AS name FROM pg_views WHERE schemaname = 'public' ORDER BY 1",
    );
    expect(views.map((v) => v.name)).toEqual([...PAGILA_VIEWS]);
  });

  it('refreshes rental_by_category, which is created WITH NO DATA', async () => {
    const populated = async () =>
      (
        await db.query<{ p: boolean }>('SELECT ispopulated AS p FROM pg_matviews WHERE matviewname = $1', [
          PAGILA_MATVIEW,
        ])
      )[0]!.p;
    expect(await populated()).toBe(false);
    await db.query(`REFRESH MATERIALIZED VIEW ${PAGILA_MATVIEW}`);
    expect(await populated()).toBe(true);
    const rows = await db.query<{ category: string; total_sales: string }>(`SELECT * FROM ${PAGILA_MATVIEW}`);
    expect(rows).toHaveLength(16);
    // Pagila's sales_by_film_category view has the same query: the refreshed data must equal it.
    const expected = await db.query('SELECT category, total_sales FROM sales_by_film_category ORDER BY category');
    const actual = await db.query(`SELECT category, total_sales FROM ${PAGILA_MATVIEW} ORDER BY category`);
    expect(actual).toEqual(expected);
    expect(Number(rows[0]!.total_sales)).toBeGreaterThan(0);
  });
});
