// The example DataSource that `npm run demo` and the typeorm-pgview CLI load (`-d ormconfig.ts`).
// DATABASE_URL picks the server; `npm run demo` starts an embedded PostgreSQL and sets it when unset.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { quickstartEntities } from './demo/entities';

export default new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  entities: quickstartEntities,
  // typeorm-pgview manages the views; TypeORM's own synchronize stays off (see the README).
  synchronize: false,
  logging: false,
});
