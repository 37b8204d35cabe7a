import { type IamAction, type IamStatement, iamPolicyDocument, iamPolicyOf } from './iam-policy';
import { printJson, printText } from './output';

/** What `--iam-policy` prints: one statement of actions on a resource, or several statements. */
type ToolPolicy =
  { readonly iamActions: readonly IamAction[]; readonly iamResources?: string } | { readonly iamStatements: readonly IamStatement[] };

/**
 * Answers the flags that only ask about the tool itself, `--help` and `--iam-policy`, and says
 * whether it did: then the tool exits 0 without touching AWS.
 */
export function answerInfoFlags(
  flags: { readonly help?: boolean; readonly 'iam-policy'?: boolean },
  tool: { readonly help: string } & ToolPolicy,
): boolean {
  if (flags.help) {
    printText(tool.help);
    return true;
  }
  if (flags['iam-policy']) {
    printJson('iamStatements' in tool ? iamPolicyOf(tool.iamStatements) : iamPolicyDocument(tool.iamActions, tool.iamResources));
    return true;
  }
  return false;
}
