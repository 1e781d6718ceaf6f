/**
 * Card actions read back (dialogs/actions.ts): each flow's parser turns a submit into one of
 * its typed actions, or null — for another flow's action, a missing or mistyped field — so a
 * stale or tampered card is answered as an invalid submit and never reaches a step with
 * fields of the wrong type.
 */
import { strict as assert } from 'node:assert';
import { act } from '../../cards/actions.js';
import { parseSubmitData } from '../../cards/submit.js';
import { parseBuyAction, parseCustomerStepAction, parseOrdersAction, parseRolesAction, parseSoftwareAction, type Submitted } from '../../dialogs/actions.js';

/** As the runner hands a submit to a flow: the card's data as it came back through cards/submit.ts. */
function submitted(data: Record<string, unknown>): Submitted {
  const parsed = parseSubmitData(data);
  assert.ok(parsed, `unparseable ${JSON.stringify(data)}`);
  const { action, ...rest } = parsed;
  return { action, data: rest };
}

describe('dialogs/actions: card actions read back, typed', () => {
  it('reads back what the constructors build (Teams merges input values in)', () => {
    assert.deepEqual(parseBuyAction(submitted({ ...act.buyReview('DG7GMGF0D7FV'), skuId: '0001', quantity: '16' })), { action: 'buy.review', productId: 'DG7GMGF0D7FV', skuId: '0001', quantity: '16' });
    assert.deepEqual(parseBuyAction(submitted(act.buyKind('c-1', 'all'))), { action: 'buy.kind', customerId: 'c-1', kind: 'all' });
    assert.deepEqual(parseBuyAction(submitted({ ...act.buyProductSearch('c-1'), search: '  SQL  ' })), { action: 'buy.productSearch', customerId: 'c-1', search: 'SQL' });
    assert.deepEqual(parseOrdersAction(submitted(act.ordersPage('c-1', 2))), { action: 'orders.page', customerId: 'c-1', page: 2 });
    assert.deepEqual(parseOrdersAction(submitted({ action: 'orders.page', customerId: 'c-1', page: '3' })), { action: 'orders.page', customerId: 'c-1', page: 3 }, 'digits as text');
    assert.deepEqual(parseSoftwareAction(submitted({ ...act.softwareGet('ORDER', 0), version: 'v', language: 'de-DE', fileType: 'ISO' })),
      { action: 'software.get', orderId: 'ORDER', lineNumber: 0, version: 'v', language: 'de-DE', fileType: 'ISO' });
    assert.deepEqual(parseSoftwareAction(submitted(act.softwareGet('ORDER', 1, 42))), { action: 'software.get', orderId: 'ORDER', lineNumber: 1, variantId: 42 });
    assert.deepEqual(parseRolesAction(submitted(act.rolesToggle(7, 'admin_agent', true))), { action: 'roles.toggle', userId: 7, role: 'admin_agent', grant: true });
    assert.deepEqual(parseCustomerStepAction('orders', submitted({ ...act.customerSearch('orders'), query: 'Contoso' })), { kind: 'search', query: 'Contoso' });
    assert.deepEqual(parseCustomerStepAction('software', submitted(act.customerPick('software', 'c-9'))), { kind: 'pick', customerId: 'c-9' });
  });

  it("answers null to another flow's action, and to missing or mistyped fields", () => {
    const nulls: Array<[string, unknown]> = [
      ['orders card in buy', parseBuyAction(submitted(act.ordersPage('c', 1)))],
      ['unknown kind', parseBuyAction(submitted({ action: 'buy.kind', customerId: 'c', kind: 'lollipops' }))],
      ['no product', parseBuyAction(submitted({ action: 'buy.product', productId: '  ' }))],
      ['a SKU button without SKU', parseBuyAction(submitted({ action: 'buy.sku', productId: 'P' }))],
      ['a confirm without review', parseBuyAction(submitted({ action: 'buy.confirm' }))],
      ['a page that is no number', parseOrdersAction(submitted({ action: 'orders.page', customerId: 'c', page: 'two' }))],
      ['a fractional page', parseOrdersAction(submitted({ action: 'orders.page', customerId: 'c', page: 1.5 }))],
      ['a line that is no number', parseSoftwareAction(submitted({ action: 'software.item', orderId: 'O', lineNumber: 'x' }))],
      ['an order id that is no string', parseSoftwareAction(submitted({ action: 'software.get', orderId: 12, lineNumber: 0 }))],
      ['an offset as text', parseRolesAction(submitted({ action: 'roles.page', offset: '10' }))],
      ['a negative offset', parseRolesAction(submitted({ action: 'roles.page', offset: -10 }))],
      ['an unknown role', parseRolesAction(submitted({ action: 'roles.toggle', userId: 1, role: 'emperor', grant: true }))],
      ['grant as text', parseRolesAction(submitted({ action: 'roles.confirm', userId: 1, role: 'admin_agent', grant: 'true' }))],
      ["another flow's customer pick", parseCustomerStepAction('buy', submitted(act.customerPick('orders', 'c')))],
      ['a pick without id', parseCustomerStepAction('buy', submitted({ action: 'buy.customer' }))],
    ];
    for (const [what, parsed] of nulls) assert.equal(parsed, null, what);
  });
});
