import { renderShippingLabelZpl, ZPL_DOTS_LONG, ZPL_DOTS_WIDE, zplField } from '../../adapters/documents/shipping-label-zpl';
import { SAMPLE_LABEL } from '../support/label-fixture';

const input = SAMPLE_LABEL;

/** The label's commands: `^XX...` up to the next caret. */
const commands = (zpl: string) => zpl.split('\n').join('').split('^').slice(1).map((c) => `^${c}`);

test('one 4 × 6 in label: ^XA … ^XZ, UTF-8, 812 × 1218 dots', () => {
  const zpl = renderShippingLabelZpl(input);
  const cmds = commands(zpl);
  expect(cmds[0]).toBe('^XA');
  expect(cmds[cmds.length - 1]).toBe('^XZ');
  expect(cmds.filter((c) => c === '^XA')).toHaveLength(1);
  expect(cmds.filter((c) => c === '^XZ')).toHaveLength(1);
  expect(cmds).toContain('^CI28');
  expect(cmds).toContain(`^PW${ZPL_DOTS_WIDE}`);
  expect(cmds).toContain(`^LL${ZPL_DOTS_LONG}`);
  // Every field placed (^FO) is closed (^FS) before the next one.
  let open = false;
  for (const c of cmds) {
    if (c.startsWith('^FO')) {
      expect(open).toBe(false);
      open = true;
    }
    if (c === '^FS') open = false;
  }
  expect(open).toBe(false);
  expect(cmds.filter((c) => c.startsWith('^FO')).length).toBe(cmds.filter((c) => c === '^FS').length);
});

test('the waybill as Code 128: ^BC followed by the waybill as its field data', () => {
  const cmds = commands(renderShippingLabelZpl(input));
  const bc = cmds.findIndex((c) => c.startsWith('^BC'));
  expect(bc).toBeGreaterThan(0);
  expect(cmds[bc]).toMatch(/^\^BCN,\d+,N,N,N,A$/);
  expect(cmds[bc + 1]).toBe('^FDSF1234567890123');
  expect(cmds[bc + 2]).toBe('^FS');
  const qr = cmds.findIndex((c) => c.startsWith('^BQ'));
  expect(cmds[qr + 1]).toBe('^FDQA,SF:SF1234567890123:DEMO-1001');
});

test('the label text: carrier, recipient in Chinese, order, weight, parcel n of m', () => {
  const zpl = renderShippingLabelZpl(input);
  for (const s of ['顺丰速运 SF Express', '收件人 To', '王小明  13800138000', '浦东新区世纪大道 100 号', '200120 CN', 'DEMO-1001', '1.48 kg', '1 / 2', 'BoxFlow Toys Warehouse']) expect(zpl).toContain(s);
});

test('a name with ^ or ~ cannot end a field or issue a command', () => {
  expect(zplField('a^XZ~JR_b')).toBe('a_5EXZ_7EJR_5Fb');
  const zpl = renderShippingLabelZpl({ ...input, recipient: { ...input.recipient, name: 'Eve^XZ^XA~JR' } });
  const cmds = commands(zpl);
  expect(cmds.filter((c) => c === '^XZ')).toHaveLength(1);
  expect(cmds.filter((c) => c === '^XA')).toHaveLength(1);
  expect(zpl).not.toContain('~JR');
  expect(zpl).toContain('Eve_5EXZ_5EXA_7EJR');
});
