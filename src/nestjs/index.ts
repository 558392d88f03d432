// typeorm-pgview/nestjs: the NestJS module. A separate entry point, so that `typeorm-pgview` itself never
// loads @nestjs (optional peer dependencies). NestJS 12 is ESM-only; this CommonJS file loads it with
// require(), which Node supports for ES modules from 20.19 / 22.12 on (as NestJS 12 itself requires).
export { PgViewModule } from './module';
export { PgViewService } from './service';
export { InjectPgView, getPgViewServiceToken, getPgViewOptionsToken } from './tokens';
export type {
  PgViewModuleOptions,
  PgViewModuleAsyncOptions,
  PgViewLifecycleOptions,
  PgViewOptionsFactory,
  ResolvedPgViewOptions,
} from './options';
