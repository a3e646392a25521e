import type { ValidationIssue } from '@eventlane/contracts';

/**
 * Where `value` holds something JSON cannot carry unchanged to the server and back: BigInt (which
 * `JSON.stringify` throws on), functions and Symbols (dropped, or refused by IndexedDB), NaN and
 * ±Infinity (become null), holes and `undefined` in arrays (become null), Map, Set, Date and
 * other class instances (become `{}` or a string), Symbol keys (dropped) and cycles (throw).
 * An object property whose value is `undefined` is allowed: JSON leaves it out, as an optional
 * field should be. Walks no deeper than `maxDepth` (the schema reports depth itself).
 */
export function jsonIssues(value: unknown, path: Array<string | number>, maxDepth: number, issues: ValidationIssue[] = [], ancestors = new Set<object>()): ValidationIssue[] {
  const issue = (message: string) => issues.push({ code: 'not_json', message, path: [...path] });
  if (issues.length >= 20) return issues;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return issues;
    case 'number':
      if (!Number.isFinite(value)) issue(`${value} is not a JSON number (JSON would store null)`);
      return issues;
    case 'bigint':
      issue('A BigInt is not JSON: send it as a string or a number');
      return issues;
    case 'function':
      issue('A function is not JSON');
      return issues;
    case 'symbol':
      issue('A Symbol is not JSON');
      return issues;
    case 'undefined':
      issue('undefined is not JSON');
      return issues;
  }
  if (value === null) return issues;
  const object = value as object;
  if (ancestors.has(object)) {
    issue('A cycle: this value contains itself');
    return issues;
  }
  if (path.length > maxDepth + 2) return issues;
  ancestors.add(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      if (!(i in object) || object[i] === undefined) issues.push({ code: 'not_json', message: 'A hole or undefined in an array is not JSON (JSON would store null)', path: [...path, i] });
      else jsonIssues(object[i], [...path, i], maxDepth, issues, ancestors);
    }
  } else {
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) {
      const name = (object as { constructor?: { name?: string } }).constructor?.name || 'object';
      issue(`A ${name} is not a plain JSON object${name === 'Date' ? ': send date.toISOString()' : ''}`);
    } else {
      if (Object.getOwnPropertySymbols(object).length > 0) issue('Symbol keys are not JSON');
      for (const [key, child] of Object.entries(object)) {
        if (child !== undefined) jsonIssues(child, [...path, key], maxDepth, issues, ancestors);
      }
    }
  }
  ancestors.delete(object);
  return issues;
}
