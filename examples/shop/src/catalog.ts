/**
 * The products the shop sells (a fixed list: the demo is about sessions, not inventory).
 *
 * @module
 */

/** A product on sale. Prices are in cents. */
export interface Product {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  /** A single emoji drawn as the product picture. */
  icon: string;
}

/** Every product, in display order. */
export const PRODUCTS: readonly Product[] = [
  { id: 'mug', name: 'SessionKit mug', description: 'Holds 350 ml of coffee, or one very large session.', priceCents: 1200, icon: '☕' },
  { id: 'tshirt', name: 'T-shirt', description: 'Organic cotton, printed with "it works on every instance".', priceCents: 2500, icon: '👕' },
  { id: 'stickers', name: 'Sticker pack', description: 'Ten stickers, one per backend and then some.', priceCents: 500, icon: '🏷️' },
  { id: 'notebook', name: 'Notebook', description: 'Dot grid, 120 pages, for drawing consistent-hash rings.', priceCents: 900, icon: '📓' },
  { id: 'cap', name: 'Cap', description: 'Keeps the sun off while you fail over.', priceCents: 1800, icon: '🧢' },
  { id: 'socks', name: 'Socks', description: 'A matched pair, replicated.', priceCents: 700, icon: '🧦' },
];

const BY_ID = new Map(PRODUCTS.map((p) => [p.id, p]));

/** The product with this id, or `undefined`. */
export function findProduct(id: unknown): Product | undefined {
  return typeof id === 'string' ? BY_ID.get(id) : undefined;
}

/** Formats cents as a price, e.g. `€12.00`. */
export function formatPrice(cents: number): string {
  return `€${(cents / 100).toFixed(2)}`;
}
