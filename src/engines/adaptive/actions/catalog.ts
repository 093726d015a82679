import type { ActionStep } from '../../engine.js';
import { ActionInputError, SPEEDS, type ActionDefinition, type Params, type Speed } from './action.js';
import { screenshot, pdf } from './capture.actions.js';
import { clearCookies, getCookies, setCookies } from './cookie.actions.js';
import { check, click, fill, hover, press, scroll, select, type, uncheck } from './input.actions.js';
import { getTitle, getUrl, goBack, goForward, navigate, reload, waitForNavigation } from './navigation.actions.js';
import { evaluate, getAttribute, getHtml, getText, wait, waitForSelector } from './read.actions.js';

/** Contract §3.5: the whole action catalog, by name and alias. */
const ACTIONS: ActionDefinition[] = [
  navigate, click, fill, type, select, check, uncheck, press, hover, scroll, wait, waitForSelector, waitForNavigation,
  screenshot, pdf, evaluate, getHtml, getText, getAttribute, getUrl, getTitle, getCookies, setCookies, clearCookies, goBack, goForward, reload,
];

const BY_NAME = new Map<string, ActionDefinition>();
for (const a of ACTIONS) for (const n of [a.name, ...(a.aliases ?? [])]) BY_NAME.set(n, a);

export const ACTION_NAMES: readonly string[] = [...BY_NAME.keys()];

export interface ParsedStep {
  action: ActionDefinition;
  /** The name the caller used (an alias stays an alias in the answer). */
  name: string;
  params: Params;
}

/** Validates one step; `prefix` names its place in a batch for `details.field`. */
export function parseStep(raw: Params, prefix = ''): ParsedStep {
  const name = raw.type ?? raw.action;
  if (typeof name !== 'string' || !BY_NAME.has(name)) throw new ActionInputError(`${prefix}type`, `Unknown action. Known actions: ${ACTIONS.map((a) => a.name).join(', ')}.`);
  const action = BY_NAME.get(name)!;
  try {
    return { action, name, params: action.parse(raw) };
  } catch (err) {
    if (err instanceof ActionInputError && prefix) throw new ActionInputError(`${prefix}${err.field}`, err.message);
    throw err;
  }
}

/** Validates a call's steps (a batch names each step's place for `details.field`), as the engine interface takes them. */
export function parseSteps(raw: Array<Record<string, unknown>>, batch: boolean): ActionStep[] {
  return raw.map((step, i) => {
    const parsed = parseStep(step, batch ? `actions[${i}].` : '');
    return { name: parsed.name, params: parsed.params };
  });
}

export function parseSpeed(value: unknown): Speed | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(SPEEDS as readonly string[]).includes(value)) throw new ActionInputError('speed', `speed must be one of ${SPEEDS.join(', ')}.`);
  return value as Speed;
}

export function actionByName(name: string): ActionDefinition | undefined {
  return BY_NAME.get(name);
}
