// What the connected server is. The planner reads the version with the rest of the catalog state; this is
// for the callers that read nothing else (the hand-written migration operations).
import type { QueryRunner } from 'typeorm';

const SERVER_VERSION_QUERY = `SELECT current_setting('server_version_num')::int AS version_num`;

/** server_version_num of the server `queryRunner` is connected to, e.g. 150020. */
export async function serverVersionOf(queryRunner: QueryRunner): Promise<number> {
  const rows = (await queryRunner.query(SERVER_VERSION_QUERY)) as { version_num: number }[];
  return Number(rows[0]?.version_num ?? 0);
}
