import { episodeStoreScenarios } from './episode-store.scenarios.js';

episodeStoreScenarios('standalone');
