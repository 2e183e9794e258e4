// Reading keepalived argument words as numbers, booleans and addresses. keepalived itself logs a bad value
// and carries on with a default; the converter treats it as broken input (an error, exit 2), since guessing
// what the user meant would hide a mistake in the new configuration.

import { parseAddress, parsePrefix } from "../config/address.ts";
import type { ConvertContext } from "./convert-context.ts";
import type { ConfNode } from "./types.ts";

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/** The first argument, or an error naming what was expected. */
export function firstArg(ctx: ConvertContext, node: ConfNode, what: string): string | null {
  const value = node.args[0];
  if (value === undefined || value === "") {
    ctx.error(node, `${node.keyword}: missing value (${what})`);
    return null;
  }
  return value;
}

export function intArg(ctx: ConvertContext, node: ConfNode, min: number, max: number, word = node.args[0]): number | null {
  return numberArg(ctx, node, min, max, word, INTEGER, `an integer from ${min} to ${max}`);
}

/** Seconds or other decimals; `max` bounds what vipd's schema accepts. */
export function decimalArg(ctx: ConvertContext, node: ConfNode, min: number, max: number, word = node.args[0]): number | null {
  return numberArg(ctx, node, min, max, word, DECIMAL, `a number from ${min} to ${max}`);
}

function numberArg(
  ctx: ConvertContext,
  node: ConfNode,
  min: number,
  max: number,
  word: string | undefined,
  form: RegExp,
  range: string,
): number | null {
  if (word === undefined) {
    ctx.error(node, `${node.keyword}: missing value (${range})`);
    return null;
  }
  if (!form.test(word)) {
    ctx.error(node, `${node.keyword}: invalid number '${word}' (${range})`);
    return null;
  }
  const n = Number(word);
  if (n < min || n > max) {
    ctx.error(node, `${node.keyword}: ${word} is out of range (${range})`);
    return null;
  }
  return n;
}

const TRUE_WORDS = ["on", "true", "yes"];
const FALSE_WORDS = ["off", "false", "no"];

/** keepalived's optional <BOOL>: no argument means true. */
export function boolArg(ctx: ConvertContext, node: ConfNode): boolean | null {
  const word = node.args[0];
  if (word === undefined) return true;
  const lower = word.toLowerCase();
  if (TRUE_WORDS.includes(lower)) return true;
  if (FALSE_WORDS.includes(lower)) return false;
  ctx.error(node, `${node.keyword}: '${word}' is not a boolean (on|off|true|false|yes|no)`);
  return null;
}

export function addressArg(ctx: ConvertContext, node: ConfNode, word = node.args[0]): string | null {
  if (word === undefined) {
    ctx.error(node, `${node.keyword}: missing address`);
    return null;
  }
  if (parseAddress(word) === null) {
    ctx.error(node, `${node.keyword}: invalid IP address '${word}'`);
    return null;
  }
  return word;
}

/** A word that was meant as an address or prefix (digits with dots or colons) but does not parse as one. */
export function isBrokenAddress(word: string): boolean {
  if (!/^[0-9A-Fa-f:.]+(\/\d*)?$/.test(word) || !/[.:]/.test(word) || !/\d/.test(word)) return false;
  return parsePrefix(word) === null;
}

/** Numbers as TOML writes them: integers stay integers. */
export function numberValue(n: number): number {
  return Number.isInteger(n) ? n : Number(n.toPrecision(12));
}
