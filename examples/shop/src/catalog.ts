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
  /** The picture: a coloured tile with a short label (plain CSS, so no image or emoji font is needed). */
  icon: { label: string; color: string };
}

/** Every product, in display order. */
export const PRODUCTS: readonly Product[] = [
  {
    id: 'mug',
    name: 'SessionKit mug',
    description: 'Holds 350 ml of coffee, or one very large session.',
    priceCents: 1200,
    icon: { label: 'MUG', color: '#e8590c' },
  },
  {
    id: 'tshirt',
    name: 'T-shirt',
    description: 'Organic cotton, printed with "it works on every instance".',
    priceCents: 2500,
    icon: { label: 'TEE', color: '#1c7ed6' },
  },
  {
    id: 'stickers',
    name: 'Sticker pack',
    description: 'Ten stickers, one per backend and then some.',
    priceCents: 500,
    icon: { label: 'STK', color: '#ae3ec9' },
  },
  {
    id: 'notebook',
    name: 'Notebook',
    description: 'Dot grid, 120 pages, for drawing consistent-hash rings.',
    priceCents: 900,
    icon: { label: 'NB', color: '#2b8a3e' },
  },
  {
    id: 'cap',
    name: 'Cap',
    description: 'Keeps the sun off while you fail over.',
    priceCents: 1800,
    icon: { label: 'CAP', color: '#f08c00' },
  },
  {
    id: 'socks',
    name: 'Socks',
    description: 'A matched pair, replicated.',
    priceCents: 700,
    icon: { label: 'SOX', color: '#c2255c' },
  },
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
