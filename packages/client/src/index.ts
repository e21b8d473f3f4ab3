export {
  type BearerChallenge,
  type Challenge,
  type ChallengeSource,
  findBearerChallenge,
  parseChallenges,
  toBearerChallenge,
} from './challenges/index.js';
