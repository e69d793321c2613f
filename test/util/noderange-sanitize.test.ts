import { expandNoderange } from '../../src/util/noderange';
import { sanitizeForTerminal, sanitizeForBlessed } from '../../src/util/sanitize';
import { templateOf, looksLikeError } from '../../src/engine/entry';
import { stripConsole } from '../../src/sources/console-text';

describe('noderange', () => {
  test('brackets, dashes and lists', () => {
    expect(expandNoderange('cn[001-003],gpu01')).toEqual(['cn001', 'cn002', 'cn003', 'gpu01']);
    expect(expandNoderange('cn1-cn3')).toEqual(['cn1', 'cn2', 'cn3']);
    expect(expandNoderange('r[1-2]n[01-02]')).toEqual(['r1n01', 'r1n02', 'r2n01', 'r2n02']);
    expect(expandNoderange('compute')).toEqual(['compute']);
  });
});

describe('terminal sanitizer', () => {
  test('controls, escapes, C1, bidi and line separators are shown escaped', () => {
    const s = sanitizeForTerminal('a\x1b]0;pwned\x07b\x1b[2Jc\u009b31m\u202eevil\u2028x\0');
    expect(s).toBe('a\\e]0;pwned\\x07b\\e[2Jc\\x9b31m\\u202eevil\\u2028x\\x00');
    expect(s).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/);
  });
  test('blessed tags are escaped and long lines cut', () => {
    expect(sanitizeForBlessed('{red-fg}x{/red-fg}')).toBe('{open}red-fg{close}x{open}/red-fg{close}');
    expect(sanitizeForTerminal('x'.repeat(5000), 100)).toMatch(/^x{100}…\[\+4900 chars\]$/);
  });
  test('lone surrogates become U+FFFD', () => {
    expect(sanitizeForTerminal('a\ud800b')).toBe('a\ufffdb');
  });
});

describe('unknown error templates', () => {
  test('variable parts are masked so repeats group', () => {
    expect(templateOf('mysite: cannot mount 10.0.0.5:/scratch on cn01 after 3 tries')).toBe(
      templateOf('mysite: cannot mount 10.0.0.9:/scratch on cn77 after 12 tries'),
    );
  });
  test('error-looking lines', () => {
    const rec = (message: string, severity: number | null = 6, channel: 'node' | 'http' = 'node') => ({
      at: 0,
      claimed: null,
      source: 'remote',
      channel,
      from: null,
      host: null,
      program: null,
      pid: null,
      severity,
      message,
      raw: message,
      node: null,
    });
    expect(looksLikeError(rec('mount: cannot mount /scratch'))).toBe(true);
    expect(looksLikeError(rec('all good', 3))).toBe(true);
    expect(looksLikeError(rec('completed with 0 errors'))).toBe(false);
    expect(looksLikeError(rec('GET /x 404 0', 4, 'http'))).toBe(true);
    expect(looksLikeError(rec('GET /x 200 0', 6, 'http'))).toBe(false);
  });
});

describe('console text', () => {
  test('OSC titles and redraws are stripped', () => {
    expect(stripConsole('\x1b]0;title\x07Booting\rLoading kernel')).toBe('Loading kernel');
    expect(stripConsole('ab\x08c')).toBe('ac');
  });
});
