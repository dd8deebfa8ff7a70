import { CdrFields } from './calls';
import { graphql, type ResultOf } from './tada';

/** M2: a statement's totals, as the list and the detail show them. */
export const StatementFields = graphql(`
  fragment StatementFields on Statement {
    id month timeZone periodStart periodEnd openingBalance topUps total closingBalance currency closedAt
    tenant { id name }
  }
`);

export const StatementsQuery = graphql(
  `
    query Statements($first: Int = 36) {
      statements(first: $first) { edges { node { ...StatementFields } } }
    }
  `,
  [StatementFields],
);

/** M2: one statement with its lines. */
export const StatementQuery = graphql(
  `
    query Statement($id: ID!) {
      statement(id: $id) {
        ...StatementFields
        lines { id position kind description tariffCode quantity unitPrice amount note order { id orderNo } }
      }
    }
  `,
  [StatementFields],
);

/** M2: the records a line is made of, a page at a time. */
export const StatementLineSourcesQuery = graphql(
  `
    query StatementLineSources($id: ID!, $first: Int = 50, $after: String) {
      node(id: $id) {
        ... on StatementLine {
          id
          sources(first: $first, after: $after) {
            edges {
              node {
                kind
                order { id orderNo kind status paidAt }
                orderLine { position description tariffCode quantity unitPrice amount periodStart periodEnd number { e164 } }
                ledgerEntry { id kind amount balanceAfter reference description createdAt }
                cdr { ...CdrFields }
                voiceMessage { id to status durationSeconds billedMinutes reportedAt app { name } }
              }
            }
            pageInfo { hasNextPage endCursor }
          }
        }
      }
    }
  `,
  [CdrFields],
);

/** M2: the statement as CSV (behind the same key as the API). */
export const statementCsvUrl = (id: string) => `/exports/statements/${encodeURIComponent(id)}.csv`;

export type StatementSummary = ResultOf<typeof StatementFields>;
export type StatementDetail = NonNullable<ResultOf<typeof StatementQuery>['statement']>;
export type StatementLine = StatementDetail['lines'][number];
type LineNode = Extract<NonNullable<ResultOf<typeof StatementLineSourcesQuery>['node']>, { sources: unknown }>;
export type StatementSource = LineNode['sources']['edges'][number]['node'];
