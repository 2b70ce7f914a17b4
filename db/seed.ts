import type { Db } from './knex';
import { NewCatalogItem, upsertCatalogItems } from './catalog';

/**
 * A realistic demo catalog for a blind-box shop: single blind boxes and a whole case, figures,
 * plush, a fragile glass display case (P1.5 → foam), a heavy large figure (P1.5 → crate, P2.6 pickup)
 * and a candy toy with production date and shelf life (P1.6 labels).
 */
export const DEMO_CATALOG: NewCatalogItem[] = [
  { sku: 'BB-MOLLY-SPACE', name: 'Molly Space Series Blind Box', nameZh: 'MOLLY 太空系列盲盒', spec: '1 box, random figure, 7 cm', category: 'blind_box', unitPrice: 69, currency: 'CNY', weightGrams: 120, lengthMm: 60, widthMm: 60, heightMm: 95, fragile: false, hsCode: '950300', countryOfOrigin: 'CN', onHand: 240, caseUnits: 12 },
  { sku: 'BB-MOLLY-SPACE-CASE', name: 'Molly Space Series Whole Case (12 boxes)', nameZh: 'MOLLY 太空系列整盒(12 个)', spec: '12 boxes, one full set', category: 'blind_box_case', unitPrice: 828, currency: 'CNY', weightGrams: 1600, lengthMm: 250, widthMm: 190, heightMm: 100, fragile: false, hsCode: '950300', countryOfOrigin: 'CN', onHand: 30 },
  { sku: 'BB-DIMOO-FOREST', name: 'Dimoo Forest Night Blind Box', nameZh: 'DIMOO 森林之夜盲盒', spec: '1 box, random figure, 8 cm', category: 'blind_box', unitPrice: 69, currency: 'CNY', weightGrams: 130, lengthMm: 65, widthMm: 65, heightMm: 100, fragile: false, hsCode: '950300', countryOfOrigin: 'CN', onHand: 180, caseUnits: 12 },
  { sku: 'FIG-SKULLPANDA-400', name: 'Skullpanda 400% Figure', nameZh: 'SKULLPANDA 400% 手办', spec: '28 cm, vinyl', category: 'figure', unitPrice: 899, currency: 'CNY', weightGrams: 1400, lengthMm: 300, widthMm: 200, heightMm: 200, fragile: false, hsCode: '950300', countryOfOrigin: 'CN', onHand: 25 },
  { sku: 'FIG-MEGA-1000', name: 'MEGA Collection 1000% Large Figure', nameZh: 'MEGA 珍藏系列 1000% 大型手办', spec: '70 cm, vinyl, boxed', category: 'large_figure', unitPrice: 6999, currency: 'CNY', weightGrams: 7800, lengthMm: 760, widthMm: 320, heightMm: 320, fragile: false, hsCode: '950300', countryOfOrigin: 'CN', onHand: 6 },
  { sku: 'PL-LABUBU-30', name: 'Labubu Plush Doll 30 cm', nameZh: 'LABUBU 毛绒公仔 30 厘米', spec: '30 cm, plush', category: 'plush', unitPrice: 399, currency: 'CNY', weightGrams: 350, lengthMm: 300, widthMm: 180, heightMm: 150, fragile: false, hsCode: '950300', countryOfOrigin: 'CN', onHand: 60 },
  { sku: 'ACC-GLASS-CASE', name: 'Glass Display Case for 12 Figures', nameZh: '12 格玻璃展示柜', spec: '35 × 25 × 25 cm, tempered glass', category: 'accessory', unitPrice: 299, currency: 'CNY', weightGrams: 2200, lengthMm: 350, widthMm: 250, heightMm: 250, fragile: true, hsCode: '701399', countryOfOrigin: 'CN', onHand: 15 },
  { sku: 'CANDY-TOY-HIRONO', name: 'Hirono Candy Toy Blind Box', nameZh: 'HIRONO 食玩盲盒', spec: '1 box with candy, 5 cm figure', category: 'candy_toy', unitPrice: 39, currency: 'CNY', weightGrams: 90, lengthMm: 55, widthMm: 55, heightMm: 80, fragile: false, productionDate: '2026-09-01', shelfLifeDays: 365, hsCode: '170490', countryOfOrigin: 'CN', onHand: 100 },
];

/** Where the demo catalog's stock lies: aisle-rack-shelf (pick lists sort by it, P1.8). */
export const DEMO_BINS: Record<string, string> = {
  'BB-MOLLY-SPACE': 'A-01-1',
  'BB-MOLLY-SPACE-CASE': 'A-01-3',
  'BB-DIMOO-FOREST': 'A-02-1',
  'CANDY-TOY-HIRONO': 'A-03-2',
  'PL-LABUBU-30': 'B-04-1',
  'FIG-SKULLPANDA-400': 'C-07-2',
  'ACC-GLASS-CASE': 'C-09-1',
  'FIG-MEGA-1000': 'D-12-1',
};

export async function seedDemoCatalog(db: Db): Promise<void> {
  await upsertCatalogItems(db, DEMO_CATALOG);
  // A bin a person moved stays where they put it.
  for (const [sku, bin] of Object.entries(DEMO_BINS)) await db('inventory').where({ sku }).whereNull('bin_location').update({ bin_location: bin });
}
