/**
 * The second check on the CloudFront Function files besides running them: a parser held to the
 * language CloudFront documents for runtime 2.0 (see fixtures/cloudfront-js-level.ts), so syntax
 * Node's V8 accepts but the runtime lacks fails here, before `aws cloudfront test-function` or a
 * deployment would. njs runs the same files in cloudfront-function-njs.test.ts.
 */
import { readFileSync } from 'node:fs';
import { CF_FUNCTION_PATH, CF_KVS_FUNCTION_PATH } from '../../lambda-edge/cf-function/generate';
import { languageProblems } from './fixtures/cloudfront-js-level';

describe('the CloudFront Function files use only what runtime 2.0 documents (functions-javascript-runtime-20.html)', () => {
  test('geo-router.js (a script)', () => {
    expect(languageProblems(readFileSync(CF_FUNCTION_PATH, 'utf8'), 'script')).toEqual([]);
  });

  test('geo-router-kvs.js (a module importing cloudfront)', () => {
    expect(languageProblems(readFileSync(CF_KVS_FUNCTION_PATH, 'utf8'), 'module')).toEqual([]);
  });
});

describe('the language check refuses what the runtime 2.0 page does not list', () => {
  test.each([
    ['optional chaining', 'var a = b?.c;', /not ECMAScript 2017/],
    ['nullish coalescing', 'var a = b ?? c;', /not ECMAScript 2017/],
    ['object destructuring', 'var { a } = b;', /ObjectPattern/],
    ['array destructuring', 'let [a] = b;', /ArrayPattern/],
    ['spread', 'f(...a);', /SpreadElement/],
    ['a class', 'class A {}', /ClassDeclaration/],
    ['for-of', 'for (const a of b) {}', /ForOfStatement/],
    ['a generator', 'function* g() {}', /generators/],
    ['a default parameter', 'function f(a = 1) {}', /AssignmentPattern/],
    ['a shorthand property', 'var o = { a };', /shorthand/],
    ['a method', 'var o = { m() {} };', /shorthand, methods/],
    ['a tagged template', 'tag`x`;', /TaggedTemplateExpression/],
    ['an async arrow (a closure)', 'var f = async () => 1;', /async closures/],
    ['a nested async function', 'function f() { async function g() {} }', /async closures/],
    ['eval', 'eval("1");', /eval is not available/],
    ['the Function constructor', 'new Function("return 1");', /Function is not available/],
    ['a timer', 'setTimeout(f, 1);', /setTimeout is not available/],
    ['require', 'var fs = require("fs");', /require is not available/],
    ['the sticky regex flag', 'var r = /a/y;', /flags "y"/],
  ])('%s', (_name, code, problem) => {
    expect(languageProblems(code, 'script').join('\n')).toMatch(problem);
  });

  test.each([
    ['an export', "import cf from 'cloudfront';\nexport function handler(event) {}", /ExportNamedDeclaration/],
    ['another module', "import fs from 'fs';", /the only import/],
    ['a named import', "import { kvs } from 'cloudfront';", /the only import/],
    ['the import after other code', "var a = 1;\nimport cf from 'cloudfront';", /the only import/],
  ])('module syntax: %s', (_name, code, problem) => {
    expect(languageProblems(code, 'module').join('\n')).toMatch(problem);
  });

  test('accepts what the page lists: const/let, arrows, templates, **, rest parameters, top-level async/await', () => {
    const code = [
      "import cf from 'cloudfront';",
      'const square = (x) => x ** 2;',
      'function join(...parts) { let s = `${parts.length}`; return s + parts.join(","); }',
      'async function handler(event) { const v = await cf.kvs().get("k"); return v || square(2) + join(1, 2); }',
    ].join('\n');
    expect(languageProblems(code, 'module')).toEqual([]);
  });
});
