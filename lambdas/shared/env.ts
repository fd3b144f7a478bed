/** Reading the runtime configuration: the variables the CDK app sets, named in lib/config/functions.ts. */
import {
  type FunctionSetting,
  SETTING_ENV_VARS,
  TABLE_ENV_VARS,
  type TableName,
} from '../../lib/config/functions';

/** A variable the function cannot work without is missing or invalid; a deployment bug, not bad input. */
export class MissingConfigurationError extends Error {
  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'MissingConfigurationError';
  }
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new MissingConfigurationError(`Environment variable ${name} is not set`);
  }
  return value;
}

/** The name of a table the function is granted, from the variable the CDK app sets with the grant. */
export function requireTableName(table: TableName, env: NodeJS.ProcessEnv = process.env): string {
  return requireEnv(TABLE_ENV_VARS[table], env);
}

/** A setting the CDK app hands the function, from the variable it sets it in. */
export function requireSetting(setting: FunctionSetting, env: NodeJS.ProcessEnv = process.env): string {
  return requireEnv(SETTING_ENV_VARS[setting], env);
}

/** A setting the function can do without (the local mode leaves some out), as given. */
export function optionalSetting(
  setting: FunctionSetting,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return env[SETTING_ENV_VARS[setting]];
}

/** A positive integer variable, or the fallback when unset. */
export function positiveIntegerEnv(
  name: string,
  fallback: number,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const value = env[name];
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new MissingConfigurationError(
      `Environment variable ${name} must be a positive integer, got '${value}'`,
    );
  }
  return parsed;
}
