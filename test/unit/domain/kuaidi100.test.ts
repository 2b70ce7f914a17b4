import { carrierOfKuaidi100Company, KUAIDI100_COMPANY, kuaidi100StateName, kuaidi100TrackingStatus } from '../../../domain/kuaidi100';
import { normalizeCarrierStatus } from '../../../domain/tracking';

describe('Kuaidi100 states → BoxFlow tracking vocabulary (P3.1)', () => {
  it.each([
    ['0', '在途', 'in_transit'],
    ['1', '揽收', 'info_received'],
    ['2', '疑难', 'exception'],
    ['3', '签收', 'delivered'],
    ['4', '退签', 'returned_to_sender'],
    ['5', '派件', 'out_for_delivery'],
    ['6', '退回', 'returned_to_sender'],
    ['7', '转投', 'in_transit'],
    ['8', '清关', 'in_transit'],
    ['10', '待清关', 'in_transit'],
    ['11', '清关中', 'in_transit'],
    ['12', '已清关', 'in_transit'],
    ['13', '清关异常', 'exception'],
    ['14', '拒签', 'exception'],
  ])('state %s is %s → %s', (state, name, status) => {
    expect(kuaidi100StateName(state)).toBe(name);
    expect(kuaidi100TrackingStatus('SF', state)).toBe(status);
    // The same for a parcel of an English-speaking carrier followed through Kuaidi100.
    expect(kuaidi100TrackingStatus('DHL', Number(state))).toBe(status);
  });

  it('tells the sub-states apart that have their own meaning', () => {
    expect(kuaidi100TrackingStatus('SF', '5', '501')).toBe('available_for_pickup');
    expect(kuaidi100TrackingStatus('YTO', '2', '204')).toBe('attempt_failed');
    // Any other sub-state reads as its state.
    expect(kuaidi100TrackingStatus('SF', '3', '301')).toBe('delivered');
  });

  it('reads an unknown or missing state as in transit, never as delivered', () => {
    for (const s of ['9', '99', '', null, undefined, 'constructor', '__proto__', 'toString']) {
      expect(kuaidi100TrackingStatus('SF', s)).toBe('in_transit');
    }
    expect(kuaidi100StateName('99')).toBe('kuaidi100:99');
  });

  it('does not read prototype keys as statuses', () => {
    expect(normalizeCarrierStatus('SF', 'constructor')).toBe('in_transit');
    expect(normalizeCarrierStatus('DHL', 'toString')).toBe('in_transit');
  });

  it('maps company codes both ways', () => {
    for (const [carrier, com] of Object.entries(KUAIDI100_COMPANY)) expect(carrierOfKuaidi100Company(com)).toBe(carrier);
    expect(carrierOfKuaidi100Company('ShunFeng ')).toBe('SF');
    expect(carrierOfKuaidi100Company('zhongtong')).toBeUndefined();
    expect(carrierOfKuaidi100Company(undefined)).toBeUndefined();
  });
});
