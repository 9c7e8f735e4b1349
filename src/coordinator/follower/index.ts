export { createFollower, type Follower, type FollowerStatus, type WitnessSource } from './createFollower.ts'
