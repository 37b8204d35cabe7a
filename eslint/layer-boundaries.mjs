// The one architectural rule of the layout (see CONTRIBUTING.md): infrastructure code in lib/
// never imports runtime code (worker/, lambda-edge/), and runtime code never imports lib/. They
// share data files and path strings only, so a construct never drags a Lambda handler's
// dependencies into `cdk synth`, and a bundled handler never drags in aws-cdk-lib.
import * as path from 'node:path';

const RUNTIME_AREAS = ['worker', 'lambda-edge'];
const INFRASTRUCTURE_AREAS = ['lib'];

/** The top folder of the repository a file lives in: `lib`, `worker`, ... */
function areaOf(absolutePath, root) {
  const relative = path.relative(root, absolutePath);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep)[0];
}

/** Why `fromArea` may not import `toArea`, or undefined when it may. */
function violation(fromArea, toArea) {
  if (INFRASTRUCTURE_AREAS.includes(fromArea) && RUNTIME_AREAS.includes(toArea)) {
    return `${fromArea}/ never imports runtime code from ${toArea}/: share a data file or a path string instead`;
  }
  if (RUNTIME_AREAS.includes(fromArea) && INFRASTRUCTURE_AREAS.includes(toArea)) {
    return `runtime code in ${fromArea}/ never imports ${toArea}/: it is bundled and shipped without aws-cdk-lib`;
  }
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
const layerBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'lib/ never imports worker/ or lambda-edge/, and they never import lib/' },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const fromArea = areaOf(context.filename, root);
    if (fromArea === undefined) return {};
    const check = (node, specifier) => {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const toArea = areaOf(path.resolve(path.dirname(context.filename), specifier), root);
      const message = toArea === undefined ? undefined : violation(fromArea, toArea);
      if (message !== undefined) context.report({ node, message: `${specifier}: ${message}` });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      TSImportEqualsDeclaration: (node) =>
        node.moduleReference.type === 'TSExternalModuleReference' && check(node, node.moduleReference.expression.value),
      CallExpression: (node) => {
        const [argument] = node.arguments;
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && argument?.type === 'Literal')
          check(node, argument.value);
      },
    };
  },
};

export default { rules: { 'layer-boundaries': layerBoundaries } };
