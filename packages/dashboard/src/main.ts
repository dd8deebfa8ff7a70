import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';
import './styles.css';

const app = createApp(App).use(router);
// The first navigation verifies a stored key; until then index.html's "Loading…" stays up.
router.isReady().finally(() => app.mount('#app'));
