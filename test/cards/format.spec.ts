import { strict as assert } from 'node:assert';
import { countryName, formatDate, formatMoney, formatNumber, minorDigits, minorToDecimal } from '../../cards/format.js';

/** Intl puts a no-break space between amount and symbol in German; compare with plain spaces. */
const spaces = (s: string): string => s.replace(/[\u00a0\u202f]/g, ' ');

describe('cards/format', () => {
  it('formats euros for English and German readers', () => {
    assert.equal(formatMoney(1234567, 'EUR', 'en'), '€12,345.67');
    assert.equal(spaces(formatMoney(1234567, 'EUR', 'de')), '12.345,67 €');
    assert.equal(formatMoney(5, 'EUR', 'en'), '€0.05');
    assert.equal(formatMoney(0, 'EUR', 'en'), '€0.00');
  });

  it('uses each currency\'s own minor unit: JPY none, BRL and AUD two, BHD three', () => {
    assert.equal(minorDigits('JPY'), 0);
    assert.equal(formatMoney(1234, 'JPY', 'en'), '¥1,234');
    assert.equal(spaces(formatMoney(1234, 'JPY', 'de')), '1.234 ¥');
    assert.equal(formatMoney(123456, 'BRL', 'en'), 'R$1,234.56');
    assert.equal(spaces(formatMoney(123456, 'BRL', 'de')), '1.234,56 R$');
    assert.equal(formatMoney(1000, 'AUD', 'en'), 'A$10.00');
    assert.equal(formatMoney(1234, 'BHD', 'en'), 'BHD 1.234'.replace(' ', '\u00a0'));
  });

  it('never goes through a float: the largest safe amount keeps every digit', () => {
    // 9007199254740991 / 100 as a float would print …409.9 or round; the decimal string does not.
    assert.equal(formatMoney(Number.MAX_SAFE_INTEGER, 'EUR', 'en'), '€90,071,992,547,409.91');
    assert.equal(formatMoney(Number.MAX_SAFE_INTEGER, 'JPY', 'en'), '¥9,007,199,254,740,991');
    assert.equal(minorToDecimal(1234567, 2), '12345.67');
    assert.equal(minorToDecimal(7, 3), '0.007');
    assert.equal(minorToDecimal(-5, 2), '-0.05');
    assert.equal(minorToDecimal(1234, 0), '1234');
  });

  it('refuses amounts that are not integer minor units, and unknown currencies', () => {
    assert.throws(() => formatMoney(12.5, 'EUR', 'en'), RangeError);
    assert.throws(() => formatMoney(Number.MAX_SAFE_INTEGER + 2, 'EUR', 'en'), RangeError);
    assert.throws(() => formatMoney(100, 'EURO', 'en'), RangeError);
  });

  it('formats calendar days without shifting them by time zone', () => {
    assert.equal(formatDate('2025-03-05', 'en'), 'Mar 5, 2025');
    assert.equal(formatDate('2025-03-05', 'de'), '05.03.2025');
    assert.equal(formatDate('2025-12-31T23:59:59Z', 'de'), '31.12.2025');
    assert.equal(formatDate('not a date', 'en'), 'not a date');
    assert.equal(formatDate('2025-13-45', 'en'), '2025-13-45');
  });

  it('names countries and formats counts in the reader\'s language', () => {
    assert.equal(countryName('DE', 'en'), 'Germany');
    assert.equal(countryName('de', 'de'), 'Deutschland');
    assert.equal(countryName('BR', 'de'), 'Brasilien');
    assert.equal(countryName('not a code', 'en'), 'not a code');
    assert.equal(formatNumber(1000, 'en'), '1,000');
    assert.equal(formatNumber(1000, 'de'), '1.000');
  });
});
