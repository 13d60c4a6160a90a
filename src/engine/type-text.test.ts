import { describe, expect, test } from 'vitest';
import { isTypeText } from './restore';

describe("a manifest's type text, before it goes into a CAST", () => {
  // As DESCRIBE writes them: each is cast back to on restore.
  test.each([
    'BIGINT', 'DECIMAL(38,10)', 'DECIMAL(4, 1)', 'TIMESTAMP WITH TIME ZONE', 'UUID[]', 'HUGEINT[2]', "ENUM('sad', 'o''k', ')', '(')",
    'STRUCT(a HUGEINT, n BIGINT)', 'STRUCT("a b" INTEGER, "x""y" VARCHAR)[]', 'MAP(VARCHAR, UUID)', "STRUCT(a ENUM('x', 'y')[])[]", 'INTEGER[2][3]',
  ])('%s is a type', (type) => expect(isTypeText(type)).toBe(true));

  // What could close the CAST around it, end the statement or hide text: goes into no SQL.
  test.each([
    '', 'BIGINT) AS v, 1 AS "x"', 'INTEGER); DROP TABLE t; --', 'INTEGER -- comment', 'INTEGER /* x */', "ENUM('a)", 'STRUCT(a INTEGER', 'INTEGER]', 'INTEGER[)',
    'VARCHAR; SELECT 1', 'DECIMAL(18.5)', 'INTEGER::VARCHAR', `${'A'.repeat(10_001)}`,
  ])('%j is not', (type) => expect(isTypeText(type)).toBe(false));
});
