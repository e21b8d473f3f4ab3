export { type BearerChallenge, findBearerChallenge, findChallenge, toBearerChallenge } from './bearer.js';
export { type Challenge, type ChallengeSource, parseChallenges } from './parse.js';
