// The injection tokens of PgViewModule, one set per TypeORM DataSource name, built the way @nestjs/typeorm
// builds getDataSourceToken: the default DataSource's service is the PgViewService class itself, so a plain
// constructor parameter injects it; a named one's is a string.
import { Inject } from '@nestjs/common';
import { PgViewService } from './service';

/** The DataSource name as `TypeOrmModule.forRoot({ name })` takes it; undefined or 'default' is the default one. */
function named(dataSource: string | undefined): string | undefined {
  return dataSource === undefined || dataSource === 'default' ? undefined : dataSource;
}

/**
 * The token of the `PgViewService` of a DataSource: the class `PgViewService` for the default DataSource,
 * `'<name>PgViewService'` for a named one.
 *
 * @example moduleRef.get(getPgViewServiceToken('reporting'))
 */
export function getPgViewServiceToken(dataSource?: string): string | typeof PgViewService {
  const name = named(dataSource);
  return name === undefined ? PgViewService : `${name}PgViewService`;
}

/** The token of the resolved module options of a DataSource (what `forRoot` was given or `forRootAsync` made). */
export function getPgViewOptionsToken(dataSource?: string): string {
  return `${named(dataSource) ?? 'default'}PgViewModuleOptions`;
}

/**
 * Injects the `PgViewService` of a named DataSource (the default one's needs no decorator).
 *
 * @example constructor(@InjectPgView('reporting') private readonly reportingViews: PgViewService) {}
 */
export function InjectPgView(dataSource?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getPgViewServiceToken(dataSource));
}
