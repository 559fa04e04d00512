import type { ScenarioInput } from '@hma-lab/core';

/** DeviceModel of Outlook for iOS and Android, as HMA-DOC's block rule names it. */
const OUTLOOK_MODEL = 'outlook for ios and android';

/**
 * A copy of a scenario (input form) without device access rules that block
 * Outlook for iOS and Android by DeviceModel. The built-in `contoso` scenario
 * carries the rule HMA-DOC recommends, which is exactly what refuses flow C;
 * a lab that wants to show flow C succeeding starts from this copy.
 *
 * @example
 * ```ts
 * const scenario = parseScenario(withoutOutlookBlockRule(contosoScenario));
 * ```
 */
export function withoutOutlookBlockRule(input: ScenarioInput): ScenarioInput {
  const copy = structuredClone(input);
  const access = copy.exchange.onprem.deviceAccess;
  if (access?.rules) {
    access.rules = access.rules.filter(
      (r) =>
        !(
          r.characteristic === 'DeviceModel' &&
          r.queryString.toLowerCase() === OUTLOOK_MODEL &&
          r.accessLevel !== 'Allow'
        ),
    );
  }
  return copy;
}
