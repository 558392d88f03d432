import { grantStatements, ownerSql, parseAclItem } from '../../../src/ddl/privileges';

const view = { schema: 'public', name: 'v' };

describe('parseAclItem', () => {
  it('reads grantee, privileges and grant options, with quoted names and PUBLIC', () => {
    expect(parseAclItem('"odd = role"=r*w/owner')).toEqual({
      grantee: 'odd = role',
      privileges: [
        { name: 'SELECT', grantOption: true },
        { name: 'UPDATE', grantOption: false },
      ],
    });
    expect(parseAclItem('=r/owner')).toEqual({ grantee: null, privileges: [{ name: 'SELECT', grantOption: false }] });
    expect(parseAclItem('"quo""te"=D/owner')?.grantee).toBe('quo"te');
    expect(parseAclItem('no equals sign')).toBeUndefined();
  });
});

describe('grantStatements', () => {
  it('gives back what others were granted, grant options apart; the owner gets its own with ownership', () => {
    expect(grantStatements(view, ['app=arwdDxt/app', 'reader=r/app', '=r/app', 'lead=r*t/app'], 'app')).toEqual([
      'GRANT SELECT ON "public"."v" TO "reader"',
      'GRANT SELECT ON "public"."v" TO PUBLIC',
      'GRANT TRIGGER ON "public"."v" TO "lead"',
      'GRANT SELECT ON "public"."v" TO "lead" WITH GRANT OPTION',
    ]);
    expect(grantStatements(view, null, 'app')).toEqual([]);
  });

  it('quotes the owner of ALTER ... OWNER TO', () => {
    expect(ownerSql({ ...view, kind: 'materialized' }, 'Report "Owner"')).toBe(
      'ALTER MATERIALIZED VIEW "public"."v" OWNER TO "Report ""Owner"""',
    );
  });
});
