import path from 'node:path';
import ejs from 'ejs';
import type { Request, Response } from 'express';
import { hasRole } from './auth/roles';
import { Lang, pickLang, translate } from './i18n';

const VIEWS = path.join(__dirname, 'views');
// Compiled output has no .ejs files: read the views from the sources either way.
const viewsDir = VIEWS.includes(`${path.sep}dist${path.sep}`) ? VIEWS.replace(`${path.sep}dist${path.sep}`, path.sep) : VIEWS;

export function viewsDirectory(): string {
  return viewsDir;
}

/**
 * Renders header + view + footer and joins them in code, so no template ever needs the unescaped
 * `<%-` tag: every value reaches HTML through `<%=`.
 */
export async function renderPage(req: Request, res: Response, view: string, locals: Record<string, unknown>, status = 200): Promise<void> {
  const lang: Lang = pickLang(req);
  const t = (key: string, params?: Record<string, string | number>) => translate(lang, key, params);
  // user / csrfToken / can() come from the session middleware (res.locals) so every template,
  // header included, can show who is signed in and put `_csrf` in its forms.
  const user = res.locals.user ?? null;
  const auth = { user, csrfToken: res.locals.csrfToken ?? '', can: (role: 'staff' | 'supervisor' | 'admin') => hasRole(user, role) };
  const common = { ...locals, ...auth, lang, t, currentPath: req.originalUrl.split('?')[0], otherLang: lang === 'zh' ? 'en' : 'zh' };
  const opts = { async: true, cache: process.env.NODE_ENV === 'production' };
  const parts = await Promise.all(
    ['partials/header', view, 'partials/footer'].map((name) => ejs.renderFile(path.join(viewsDir, `${name}.ejs`), common, opts)),
  );
  res.status(status).type('html').send(parts.join('\n'));
}
