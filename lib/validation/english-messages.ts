/**
 * Every schema in stormgate is written with zod/mini: functions rather than methods, so the bundler keeps
 * only the validators in use (ingest's bundle is ~85 KB smaller than with zod's classic API). zod/mini
 * loads no messages of its own ("Invalid input"); this sets the English ones, once per process. Each
 * schema module imports it, so that no parse can run before it.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());
