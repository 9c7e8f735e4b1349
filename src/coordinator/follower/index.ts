export { createFollower, type Follower, type FollowerStatus } from './createFollower.ts'
