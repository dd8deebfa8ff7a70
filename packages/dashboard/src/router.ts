import { createRouter, createWebHistory } from 'vue-router';
import { useSession } from './composables/useSession';
import type { Role } from './graphql/viewer';
import { sections } from './sections';

declare module 'vue-router' {
  interface RouteMeta {
    roles?: readonly Role[];
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue') },
    {
      path: '/',
      component: () => import('./components/AppLayout.vue'),
      children: [
        ...sections.map((s) => ({ path: s.path, name: s.name, component: s.component, meta: { roles: s.roles } })),
        { path: ':rest(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue') },
      ],
    },
  ],
});

router.beforeEach(async (to) => {
  if (to.name === 'login') return true;
  const { restore, can } = useSession();
  try {
    if (!(await restore())) return { name: 'login', query: { next: to.fullPath } };
  } catch (err) {
    return { name: 'login', query: { next: to.fullPath, reason: (err as Error).message } };
  }
  if (to.meta.roles && !can(to.meta.roles)) return { name: 'overview' };
  return true;
});
