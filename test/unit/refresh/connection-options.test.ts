// The refresh pool's connection options, taken from the DataSource's: the primary's credentials, `extra`
// spread over them, and an application_name that says whose refresh connection it is.
import type { DataSource } from 'typeorm';
import { connectionOptionsOf, poolSizeOf, REFRESH_APPLICATION_NAME } from '../../../src/refresh/auto/connection';

const dataSourceWith = (options: Record<string, unknown>) => ({ options }) as unknown as DataSource;

describe('connectionOptionsOf', () => {
  it("names the connection after the application's applicationName, else the library's name alone", () => {
    const named = connectionOptionsOf(
      dataSourceWith({ url: 'postgres://a@h/db', applicationName: 'orders-api' }),
      REFRESH_APPLICATION_NAME,
    );
    expect(named).toMatchObject({
      connectionString: 'postgres://a@h/db',
      application_name: 'orders-api (typeorm-pgview auto-refresh)',
    });
    expect(connectionOptionsOf(dataSourceWith({ host: 'h' }), REFRESH_APPLICATION_NAME).application_name).toBe(
      'typeorm-pgview auto-refresh',
    );
  });

  it("takes the primary's credentials under replication, and extra over them", () => {
    const options = connectionOptionsOf(
      dataSourceWith({
        replication: { master: { host: 'primary', username: 'w', database: 'app' }, slaves: [{ host: 'replica' }] },
        extra: { ssl: true, max: 20 },
      }),
      REFRESH_APPLICATION_NAME,
    );
    expect(options).toMatchObject({ host: 'primary', user: 'w', database: 'app', ssl: true });
    expect(poolSizeOf(dataSourceWith({ extra: { max: 20 }, poolSize: 5 }))).toBe(20);
    expect(poolSizeOf(dataSourceWith({ poolSize: 5 }))).toBe(5);
    expect(poolSizeOf(dataSourceWith({}))).toBe(10);
  });
});
