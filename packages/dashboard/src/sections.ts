import type { RouteComponent } from 'vue-router';
import type { Role } from './graphql/viewer';

export interface Section {
  path: string;
  name: string;
  /** The page heading. */
  title: string;
  /** Shown in the sidebar; sections without a label are reached from their parent page. */
  label?: string;
  roles: readonly Role[];
  component: () => Promise<RouteComponent>;
}

const READERS: Role[] = ['OPERATOR', 'TENANT_ADMIN', 'SUPERVISOR'];

/**
 * The dashboard's pages and who may see them: the router and the sidebar are built from this
 * one list, so a new module (Numbers, Applications, Orders …) adds its entry here.
 */
export const sections: Section[] = [
  { path: '', name: 'overview', title: 'Overview', label: 'Overview', roles: [...READERS, 'PARTNER'], component: () => import('./pages/OverviewPage.vue') },
  { path: 'qualifications', name: 'qualifications', title: 'Qualifications', label: 'Qualifications', roles: READERS, component: () => import('./pages/QualificationsPage.vue') },
  { path: 'qualifications/new', name: 'qualification-new', title: 'Qualifications › New', roles: ['TENANT_ADMIN'], component: () => import('./pages/SubmitQualificationPage.vue') },
  {
    path: 'qualifications/:id/resubmit',
    name: 'qualification-resubmit',
    title: 'Qualifications › Resubmit',
    roles: ['TENANT_ADMIN'],
    component: () => import('./pages/SubmitQualificationPage.vue'),
  },
  { path: 'numbers', name: 'numbers', title: 'Numbers', label: 'Numbers', roles: READERS, component: () => import('./pages/NumbersPage.vue') },
  { path: 'applications', name: 'applications', title: 'Applications', label: 'Applications', roles: READERS, component: () => import('./pages/ApplicationsPage.vue') },
  { path: 'applications/new', name: 'application-new', title: 'Applications › New', roles: ['TENANT_ADMIN'], component: () => import('./pages/ApplyPage.vue') },
  { path: 'instances', name: 'instances', title: 'Call-center instances', label: 'Instances', roles: READERS, component: () => import('./pages/InstancesPage.vue') },
  { path: 'instances/:id', name: 'instance', title: 'Call-center instances › Instance', roles: READERS, component: () => import('./pages/InstancePage.vue') },
  { path: 'instances/:id/flows/:flowId', name: 'flow', title: 'Call-center instances › IVR flow', roles: READERS, component: () => import('./pages/FlowPage.vue') },
  { path: 'privacy/pools', name: 'pools', title: 'Privacy numbers › Number pools', label: 'Number pools', roles: READERS, component: () => import('./pages/PoolsPage.vue') },
  { path: 'privacy/bindings', name: 'bindings', title: 'Privacy numbers › Bindings', label: 'Bindings', roles: READERS, component: () => import('./pages/BindingsPage.vue') },
  { path: 'privacy/apps', name: 'privacy-apps', title: 'Privacy numbers › Apps', label: 'Privacy apps', roles: READERS, component: () => import('./pages/PrivacyAppsPage.vue') },
  { path: 'calls', name: 'calls', title: 'Live calls', label: 'Live calls', roles: READERS, component: () => import('./pages/CallsPage.vue') },
  { path: 'webhooks', name: 'webhooks', title: 'Webhooks', label: 'Webhooks', roles: READERS, component: () => import('./pages/WebhooksPage.vue') },
  { path: 'orders', name: 'orders', title: 'Orders and balance', label: 'Orders', roles: READERS, component: () => import('./pages/OrdersPage.vue') },
  { path: 'voice', name: 'voice', title: 'Voice messages', label: 'Voice messages', roles: READERS, component: () => import('./pages/VoicePage.vue') },
  { path: 'voice/packages', name: 'packages', title: 'Voice messages › Minute packages', label: 'Minute packages', roles: READERS, component: () => import('./pages/PackagesPage.vue') },
  { path: 'statements', name: 'statements', title: 'Statements', label: 'Statements', roles: READERS, component: () => import('./pages/StatementsPage.vue') },
  { path: 'statements/:id', name: 'statement', title: 'Statements › Month', roles: READERS, component: () => import('./pages/StatementPage.vue') },
];
