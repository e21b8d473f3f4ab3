/**
 * What every framework adapter checks when it is bound to a gate, once, at start-up: a mistake
 * in `actiongate(gate, options)` fails there, naming the argument and the fix.
 */
import { ConfigurationError } from '../errors.js';
import type { Gate } from '../gate/types.js';

/**
 * Throws `ConfigurationError` unless `gate` is a gate from `createGate()` (it has `decide`,
 * `decideNow` and `prepare`) and `options` is an object.
 */
export function assertAdapterArguments(gate: unknown, options: unknown): asserts gate is Gate<string> {
  const candidate = gate as Partial<Gate<string>> | null | undefined;
  if (
    typeof candidate?.decide !== 'function' ||
    typeof candidate.decideNow !== 'function' ||
    typeof candidate.prepare !== 'function'
  ) {
    throw new ConfigurationError(
      'gate',
      'must be the result of createGate({...}) from @actiongate/core (of the same version as this adapter)',
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('options', 'must be an object such as { onRefusal: "error" }');
  }
}
