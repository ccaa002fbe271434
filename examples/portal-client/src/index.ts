// A small typed portal client for Liaison: every call's variables and result are the types
// graphql-codegen generated from ../../schema.graphql and src/operations/*.graphql, so a schema
// change that breaks an operation fails `npm run generate` or `npm run typecheck`.
import {
  AccountWithRelationshipsDocument,
  CaseWithExplanationDocument,
  MyAccountsDocument,
  MyCasesDocument,
  OpenCaseDocument,
  type AccountWithRelationshipsQuery,
  type CaseState,
  type CaseWithExplanationQuery,
  type MyCasesQuery,
  type OpenCaseMutation,
  type TypedDocumentString,
} from "./generated/graphql.js";

/** A GraphQL error as Liaison sends it: a message and a machine-readable `extensions.code`. */
export interface LiaisonError {
  message: string;
  extensions?: { code?: string; field?: string };
}

/** Thrown when the server answers with errors; `code` is the first error's `extensions.code`. */
export class LiaisonRequestError extends Error {
  readonly code: string | undefined;
  readonly field: string | undefined;

  constructor(
    readonly status: number,
    readonly errors: LiaisonError[],
  ) {
    const first = errors[0];
    super(first ? first.message : `HTTP ${status}`);
    this.code = first?.extensions?.code;
    this.field = first?.extensions?.field;
  }
}

/** Variables are optional exactly when the operation declares none. */
type VariablesArg<TVariables> = TVariables extends Record<string, never> ? [] : [TVariables];

/** One case of a `viewer.cases` page. */
export type MyCase = MyCasesQuery["viewer"]["cases"]["nodes"][number];
/** A case node with its access explanation. */
export type ExplainedCase = Extract<NonNullable<CaseWithExplanationQuery["node"]>, { __typename: "Case" }>;
/** Either face of an organisation, with its relationships as it reads them. */
export type OrganizationWithRelationships = Extract<
  NonNullable<AccountWithRelationshipsQuery["node"]>,
  { __typename: "Account" | "Partner" }
>;
/** A case as `createCase` returns it. */
export type OpenedCase = OpenCaseMutation["createCase"]["case"];

/** Talks to one Liaison server as one signed-in portal user (a bearer token from the identity provider). */
export class PortalClient {
  constructor(
    private readonly endpoint: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Runs one generated operation; its variables and result are typed by the document. */
  async execute<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    ...[variables]: VariablesArg<TVariables>
  ): Promise<TResult> {
    const response = await this.fetchImpl(this.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        authorization: `Bearer ${this.token}`,
      },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    });
    const body = (await response.json()) as { data?: TResult | null; errors?: LiaisonError[] };
    if (body.errors?.length || body.data == null) {
      throw new LiaisonRequestError(response.status, body.errors ?? []);
    }
    return body.data;
  }

  /** Every case the user may read, newest first, fetched page by page with the cursor. */
  async allMyCases(pageSize = 20, states?: CaseState[]): Promise<MyCase[]> {
    const cases: MyCase[] = [];
    let after: string | null = null;
    for (;;) {
      const page: MyCasesQuery = await this.execute(MyCasesDocument, {
        first: pageSize,
        after,
        states: states ?? null,
      });
      cases.push(...page.viewer.cases.nodes);
      const { hasNextPage, endCursor } = page.viewer.cases.pageInfo;
      if (!hasNextPage || endCursor === null) {
        return cases;
      }
      after = endCursor;
    }
  }

  /** The accounts (customer and partner faces) the user may open cases for and look at. */
  async myAccounts(): Promise<{ id: string; name: string; number: string }[]> {
    const data = await this.execute(MyAccountsDocument);
    return [...data.accounts.nodes, ...data.partners.nodes];
  }

  /** An account with its relationships, each labelled as this account reads it; null when unseen. */
  async account(id: string): Promise<OrganizationWithRelationships | null> {
    const { node } = await this.execute(AccountWithRelationshipsDocument, { id });
    return node?.__typename === "Account" || node?.__typename === "Partner" ? node : null;
  }

  /** Why the user may read a case, one line per grant; null when the case is not visible. */
  async explain(caseId: string): Promise<{ item: ExplainedCase; lines: string[] } | null> {
    const { node } = await this.execute(CaseWithExplanationDocument, { id: caseId });
    if (node?.__typename !== "Case") {
      return null;
    }
    const lines = node.accessExplanation.grants.map(
      (grant) => `${grant.rule} (${grant.role}): ${grant.path.map((step) => step.label).join(" → ")}`,
    );
    return { item: node, lines };
  }

  /** Opens a case for an account the user may open cases for; priority 1 (critical) to 4 (low). */
  async openCase(accountId: string, shortDescription: string, priority?: 1 | 2 | 3 | 4): Promise<OpenedCase> {
    const data = await this.execute(OpenCaseDocument, {
      input: { accountId, shortDescription, priority: priority ?? null },
    });
    return data.createCase.case;
  }
}

/** Reads each side of every relationship of an account: "Partner of ABC Corp (FORWARD)". */
export function describeRelationships(account: OrganizationWithRelationships): string[] {
  return account.relationships.nodes.map(
    (side) => `${side.label ?? "?"} ${side.otherAccount?.name ?? "(not visible)"} (${side.direction})`,
  );
}
