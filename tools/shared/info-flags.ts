import { type IamAction, iamPolicyDocument } from './iam-policy';
import { printJson, printText } from './output';

/**
 * Answers the flags that only ask about the tool itself, `--help` and `--iam-policy`, and says
 * whether it did: then the tool exits 0 without touching AWS.
 */
export function answerInfoFlags(
  flags: { readonly help?: boolean; readonly 'iam-policy'?: boolean },
  tool: { readonly help: string; readonly iamActions: readonly IamAction[]; readonly iamResources?: string },
): boolean {
  if (flags.help) {
    printText(tool.help);
    return true;
  }
  if (flags['iam-policy']) {
    printJson(iamPolicyDocument(tool.iamActions, tool.iamResources));
    return true;
  }
  return false;
}
