/**
 * Timeouts, schedule expressions, time zones and names: the small parsers behind validation.
 */
import { describe, expect, it } from 'vitest';
import { envSuffix, parseDuration, pascalCase } from '../../lib/spec';
import { cronProblem, isKnownTimeZone, normalizeScheduleExpression, rateProblem } from '../../lib/schedule';
import { closest } from '../../lib/spec/suggest';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['30m', 1800],
    ['1h', 3600],
    ['1h30m', 5400],
    ['2d', 172800],
    ['1d2h3m4s', 93784],
    ['3600', 3600],
    [600, 600],
  ] as const)('%s → %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '1x', '30m1h', '1.5h', 'h', '-5', ' 1 h'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('rejects non-integer and negative numbers', () => {
    expect(parseDuration(1.5)).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
  });
});

describe('cron', () => {
  it.each([
    '0 3 * * ? *',
    '0/15 * * * ? *',
    '0 18 ? * MON-FRI *',
    '0 8 1 * ? *',
    '5,35 14 * * ? *',
    '0 9 ? * 2#1 *',
    '0 10 L * ? 2026-2030',
    '0 10 15W * ? *',
    '0 10 ? * 6L *',
    '0 0 1 JAN,JUL ? 2199',
  ])('accepts %j', (body) => {
    expect(cronProblem(body)).toBeUndefined();
  });

  it.each([
    ['0 3 * * *', /5 field/],
    ['0 3 * * * *', /exactly one of day-of-month/],
    ['0 3 ? * ? *', /exactly one of day-of-month/],
    ['60 3 * * ? *', /minutes field/],
    ['0 24 * * ? *', /hours field/],
    ['0 3 32 * ? *', /day-of-month field/],
    ['0 3 * 13 ? *', /month field/],
    ['0 3 ? * 8 *', /day-of-week field/],
    ['0 3 * * ? 1969', /year field/],
    ['0/0 3 * * ? *', /positive integer/],
    ['? 3 * * ? *', /only allowed in day-of-month or day-of-week/],
  ])('rejects %j', (body, message) => {
    expect(cronProblem(body)).toMatch(message);
  });
});

describe('rate', () => {
  it.each(['1 minute', '5 minutes', '1 hour', '12 hours', '1 day', '7 days'])('accepts %j', (body) => {
    expect(rateProblem(body)).toBeUndefined();
  });
  it.each(['0 minutes', '1 minutes', '2 day', '5 weeks', 'minutes', '1.5 hours'])('rejects %j', (body) => {
    expect(rateProblem(body)).toBeDefined();
  });
});

describe('normalizeScheduleExpression', () => {
  it('wraps bare forms and keeps wrapped ones', () => {
    expect(normalizeScheduleExpression({ cron: '0 3 * * ? *' })).toEqual({ expression: 'cron(0 3 * * ? *)' });
    expect(normalizeScheduleExpression({ cron: 'cron(0 3 * * ? *)' })).toEqual({ expression: 'cron(0 3 * * ? *)' });
    expect(normalizeScheduleExpression({ rate: '5 minutes' })).toEqual({ expression: 'rate(5 minutes)' });
    expect(normalizeScheduleExpression({ expression: 'rate(1 day)' })).toEqual({ expression: 'rate(1 day)' });
  });
  it('rejects one-time and unwrapped expressions', () => {
    expect(normalizeScheduleExpression({ expression: 'at(2026-01-01T00:00:00)' })).toMatchObject({ key: 'expression' });
    expect(normalizeScheduleExpression({ expression: '0 3 * * ? *' })).toMatchObject({ key: 'expression' });
  });
});

describe('names and suggestions', () => {
  it('computes env suffixes and PascalCase', () => {
    expect(envSuffix('learning-rate_2')).toBe('LEARNING_RATE_2');
    expect(pascalCase('big-mem_queue')).toBe('BigMemQueue');
  });
  it('knows IANA zones and UTC', () => {
    expect(isKnownTimeZone('Europe/Berlin')).toBe(true);
    expect(isKnownTimeZone('UTC')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
  });
  it('suggests close names only', () => {
    expect(closest('comand', ['command', 'code'])).toBe('command');
    expect(closest('retry', ['retries', 'timeout'])).toBe('retries');
    expect(closest('zzzzzz', ['command', 'code'])).toBeUndefined();
  });
});
