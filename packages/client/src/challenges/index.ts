export { type BearerChallenge, findBearerChallenge, toBearerChallenge } from './bearer.js';
export { type Challenge, type ChallengeSource, parseChallenges } from './parse.js';
