import { expect } from 'chai';
import { findJsonSyntaxError, lineColumn } from '../../lib/config/json-syntax.js';

describe('config/json-syntax', () => {
  const cases: [text: string, offset: number, reason: string][] = [
    ['{"a": }', 6, 'expected a value, found "}"'],
    ['{"a": 1,}', 8, "trailing comma before '}'"],
    ['[1, 2,]', 6, "trailing comma before ']'"],
    ['{"a" 1}', 5, "expected ':' after the property name, found \"1\""],
    ['{"a": 1 "b": 2}', 8, "expected ',' or '}', found \"\\\"\""],
    ["{'a': 1}", 1, `expected a property name in double quotes, found "'" (JSON strings use double quotes)`],
    ['{\n  // note\n  "a": 1\n}', 4, 'expected a property name in double quotes, found a comment (JSON has none)'],
    ['{"a": tru}', 6, 'expected a value, found "t"'],
    ['{"a": 1', 7, "expected ',' or '}', found end of input"],
    ['', 0, 'expected a value, found end of input'],
    ['{"a": 1}}', 8, 'unexpected "}" after the end of the JSON value'],
    ['{"a": "x\ny"}', 8, 'control character "\\n" in a string (escape it)'],
    ['{"a": "\\q"}', 7, "invalid escape '\\q'"],
    ['{"a": "open', 11, 'unterminated string'],
    ['[-]', 1, 'invalid number'],
  ];

  for (const [text, offset, reason] of cases) {
    it(`locates ${JSON.stringify(text)}`, () => {
      expect(() => JSON.parse(text)).to.throw(SyntaxError);
      expect(findJsonSyntaxError(text)).to.deep.equal({ offset, reason });
    });
  }

  it('finds nothing in valid JSON', () => {
    const valid = ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"], "b": {"c": {}}} ', '0', '"s"'];
    for (const text of valid) expect(findJsonSyntaxError(text), text).to.equal(undefined);
  });

  it('converts offsets to 1-based line and column', () => {
    const text = '{\n  "a": 1,\n  "b" 2\n}';
    expect(lineColumn(text, 0)).to.deep.equal({ line: 1, column: 1 });
    expect(lineColumn(text, text.indexOf('2'))).to.deep.equal({ line: 3, column: 7 });
  });
});
