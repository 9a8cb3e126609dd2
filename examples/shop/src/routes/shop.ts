/**
 * Products, cart and checkout. The cart lives in the session; checkout reads the session with `'strong'`
 * consistency so it never charges a stale cart.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { Router } from 'express';
import { findProduct, PRODUCTS } from '../catalog.js';
import type { ShopDeps } from '../request.js';
import { currentUser, field, pageContext, postedSession, redirect, sendPage, sessionContext } from '../request.js';
import { cartLines, changeQuantity } from '../shop-session.js';
import { cartPage, orderPage } from '../views/cart.js';
import { productsPage } from '../views/catalog.js';

/** `GET /`, `GET /cart`, `POST /cart/add`, `POST /cart/change`, `POST /checkout`, `GET /orders/last`. */
export function shopRoutes(deps: ShopDeps): Router {
  const router = Router();

  router.get('/', async (req: Request, res: Response) => {
    const { page } = await pageContext(req, deps);
    sendPage(res, productsPage(page, PRODUCTS));
  });

  router.get('/cart', async (req: Request, res: Response) => {
    const { session, page } = await pageContext(req, deps);
    sendPage(res, cartPage(page, cartLines(session?.get('cart'))));
  });

  router.post('/cart/add', async (req: Request, res: Response) => {
    const product = findProduct(field(req, 'product'));
    if (product) {
      // The visitor's first add starts the session (a new ID: the one in an anonymous cookie is never adopted).
      const session = await sessionContext(req).session();
      // A read-modify-write that survives concurrent requests: if another request (another tab, a double
      // click, another instance) saved the cart first, this change is applied again to the cart it saved.
      session.update('cart', (cart) => changeQuantity(cart, product.id, 1));
      session.set('flash', `${product.name} added to your cart.`);
    }
    redirect(res, '/cart');
  });

  router.post('/cart/change', async (req: Request, res: Response) => {
    const session = await postedSession(req);
    const product = findProduct(field(req, 'product'));
    const delta = Number(field(req, 'delta'));
    if (session && product && (delta === 1 || delta === -1)) {
      session.update('cart', (cart) => changeQuantity(cart, product.id, delta));
    }
    redirect(res, '/cart');
  });

  router.post('/checkout', async (req: Request, res: Response) => {
    // Strong read: the cart charged is the latest one written, whichever instance wrote it.
    const session = await postedSession(req, { consistency: 'strong' });
    if (!session || !currentUser(deps, session)) return redirect(res, '/login?next=/cart');
    const cart = cartLines(session.get('cart'));
    if (cart.lines.length === 0) return redirect(res, '/cart');
    // The cart was read to compute the order, so unsetting it is a read-then-write: if another request
    // changed the cart meanwhile, this commit fails with 409 instead of charging a stale cart and dropping
    // the new item.
    session.set('lastOrder', {
      number: `SK-${randomBytes(4).toString('hex').toUpperCase()}`,
      totalCents: cart.totalCents,
      items: cart.count,
      placedAt: Date.now(),
      instance: deps.instance,
    });
    session.unset('cart');
    redirect(res, '/orders/last');
  });

  router.get('/orders/last', async (req: Request, res: Response) => {
    const { session, page } = await pageContext(req, deps);
    const order = session?.get('lastOrder');
    if (!order || !page.user) return redirect(res, '/');
    sendPage(res, orderPage(page, order));
  });

  return router;
}
