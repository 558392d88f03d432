import { batchSql, statementAt, undoSavepointSql } from '../../../src/ddl/transaction';

describe('statement batches', () => {
  const statements = ['CREATE VIEW a AS SELECT 1 -- trailing comment', 'CREATE VIEW b AS SELECT 2'];

  it('puts each ; on a line of its own, inside the savepoint when one is named', () => {
    expect(batchSql(statements, 'sp')).toBe(
      'SAVEPOINT "sp"\n;\nCREATE VIEW a AS SELECT 1 -- trailing comment\n;\nCREATE VIEW b AS SELECT 2\n;\nRELEASE SAVEPOINT "sp"',
    );
    expect(batchSql(statements)).toBe(`${statements[0]}\n;\n${statements[1]}`);
    expect(undoSavepointSql('sp')).toBe('ROLLBACK TO SAVEPOINT "sp"; RELEASE SAVEPOINT "sp"');
  });

  it('finds the statement at an error position (1-based, as PostgreSQL reports it)', () => {
    const text = batchSql(statements, 'sp');
    expect(statementAt(statements, text.indexOf('SELECT 1') + 1, 'sp')).toBe(0);
    expect(statementAt(statements, text.indexOf('SELECT 2') + 1, 'sp')).toBe(1);
    expect(statementAt(statements, text.length + 1, 'sp')).toBe(-1);
  });
});
