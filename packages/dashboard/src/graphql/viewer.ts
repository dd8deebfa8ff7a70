import { graphql, type ResultOf } from './tada';

export const ViewerQuery = graphql(`
  query Viewer {
    viewer { role tenantId userId }
  }
`);

export type Viewer = ResultOf<typeof ViewerQuery>['viewer'];
export type Role = Viewer['role'];
