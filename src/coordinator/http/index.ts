export { buildHttpApi, type HttpApiDependencies } from './buildHttpApi.ts'
