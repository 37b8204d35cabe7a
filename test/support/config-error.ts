import { ConfigError, loadConfig } from '../../lib/config';

/**
 * The ConfigError the config layer raises for `values` (a plain map, the way CDK context hands
 * values over: strings from `-c`). Fails the test when the values are accepted or fail otherwise.
 */
export function configErrorFor(values: Record<string, unknown>): ConfigError {
  try {
    loadConfig(values);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(values)}`);
}
