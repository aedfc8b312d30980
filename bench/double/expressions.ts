import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { WireItem } from '../item-size.js';

/**
 * The subset of DynamoDB's expression language both libraries use: conditions with OR, AND,
 * NOT, parentheses, comparisons and attribute_exists / attribute_not_exists on top-level
 * attributes; updates with SET and REMOVE of top-level attributes. Anything else is refused
 * loudly, so the double never silently evaluates an expression differently from DynamoDB.
 */
export interface ExpressionContext {
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, AttributeValue>>;
}

interface Token {
  readonly kind: 'word' | 'symbol';
  readonly text: string;
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(<>|<=|>=|[()=<>,]|[#:]?[A-Za-z_][A-Za-z0-9_]*)\s*/y;
  pattern.lastIndex = 0;
  while (pattern.lastIndex < expression.length) {
    const start = pattern.lastIndex;
    const match = pattern.exec(expression);
    if (!match) throw new Error(`The DynamoDB double cannot parse "${expression}" at ${start}.`);
    const text = match[1]!;
    tokens.push({ kind: /^[#:A-Za-z_]/.test(text) ? 'word' : 'symbol', text });
  }
  return tokens;
}

class Cursor {
  #index = 0;
  readonly #tokens: Token[];
  readonly #source: string;

  constructor(source: string) {
    this.#source = source;
    this.#tokens = tokenize(source);
  }

  next(): Token {
    const token = this.#tokens[this.#index++];
    if (!token) throw new Error(`Unexpected end of "${this.#source}".`);
    return token;
  }

  accept(text: string): boolean {
    if (this.#tokens[this.#index]?.text.toUpperCase() !== text.toUpperCase()) return false;
    this.#index++;
    return true;
  }

  expect(text: string): void {
    if (!this.accept(text)) throw new Error(`Expected "${text}" in "${this.#source}".`);
  }

  get done(): boolean {
    return this.#index >= this.#tokens.length;
  }
}

function attributeName(token: Token, context: ExpressionContext): string {
  if (token.text.startsWith(':')) throw new Error(`A value ${token.text} stands where an attribute name belongs.`);
  if (!token.text.startsWith('#')) return token.text;
  const name = context.names[token.text];
  if (name === undefined) throw new Error(`Undefined expression attribute name ${token.text}.`);
  return name;
}

function operand(token: Token, item: WireItem | undefined, context: ExpressionContext): AttributeValue | undefined {
  if (token.text.startsWith(':')) {
    const value = context.values[token.text];
    if (value === undefined) throw new Error(`Undefined expression attribute value ${token.text}.`);
    return value;
  }
  return item?.[attributeName(token, context)];
}

function compare(left: AttributeValue | undefined, operator: string, right: AttributeValue | undefined): boolean {
  if (left === undefined || right === undefined) return false;
  let order: number;
  if (left.N !== undefined && right.N !== undefined) order = Math.sign(Number(left.N) - Number(right.N));
  else if (left.S !== undefined && right.S !== undefined) order = left.S < right.S ? -1 : left.S > right.S ? 1 : 0;
  else return operator === '<>';
  switch (operator) {
    case '=':
      return order === 0;
    case '<>':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
  throw new Error(`Unsupported comparator ${operator}.`);
}

/** Whether `expression` holds for `item` (undefined: no item). */
export function evaluateCondition(expression: string, item: WireItem | undefined, context: ExpressionContext): boolean {
  const cursor = new Cursor(expression);
  const result = orExpression(cursor, item, context);
  if (!cursor.done) throw new Error(`Trailing tokens in "${expression}".`);
  return result;
}

function orExpression(cursor: Cursor, item: WireItem | undefined, context: ExpressionContext): boolean {
  let result = andExpression(cursor, item, context);
  while (cursor.accept('OR')) result = andExpression(cursor, item, context) || result;
  return result;
}

function andExpression(cursor: Cursor, item: WireItem | undefined, context: ExpressionContext): boolean {
  let result = notExpression(cursor, item, context);
  while (cursor.accept('AND')) result = notExpression(cursor, item, context) && result;
  return result;
}

function notExpression(cursor: Cursor, item: WireItem | undefined, context: ExpressionContext): boolean {
  if (cursor.accept('NOT')) return !notExpression(cursor, item, context);
  if (cursor.accept('(')) {
    const result = orExpression(cursor, item, context);
    cursor.expect(')');
    return result;
  }
  const first = cursor.next();
  const name = first.text.toLowerCase();
  if (name === 'attribute_exists' || name === 'attribute_not_exists') {
    cursor.expect('(');
    // Read the name first: `item?.[...]` would skip consuming the token when there is no item.
    const attribute = attributeName(cursor.next(), context);
    const present = item?.[attribute] !== undefined;
    cursor.expect(')');
    return name === 'attribute_exists' ? present : !present;
  }
  const operator = cursor.next();
  if (operator.kind !== 'symbol') throw new Error(`Expected a comparator after ${first.text}, found ${operator.text}.`);
  return compare(operand(first, item, context), operator.text, operand(cursor.next(), item, context));
}

/** The item after `SET name = :value, ...` and `REMOVE name, ...` clauses. */
export function applyUpdate(expression: string, item: WireItem, context: ExpressionContext): WireItem {
  const cursor = new Cursor(expression);
  const updated: WireItem = { ...item };
  while (!cursor.done) {
    if (cursor.accept('SET')) {
      do {
        const name = attributeName(cursor.next(), context);
        cursor.expect('=');
        const value = operand(cursor.next(), updated, context);
        if (value === undefined) throw new Error(`SET ${name} reads a missing attribute.`);
        updated[name] = value;
      } while (cursor.accept(','));
    } else if (cursor.accept('REMOVE')) {
      do delete updated[attributeName(cursor.next(), context)];
      while (cursor.accept(','));
    } else {
      throw new Error(`Unsupported update clause in "${expression}".`);
    }
  }
  return updated;
}
