// The visibility query behind GET /v1/pipelines: one clause per filter on the pipeline search
// attributes, and every value one literal whatever it holds (a quote in a name ends nothing).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pipelineListQuery, queryLiteral } from '../../api/pipelines/pipeline-list-query';
import { parseListQuery } from '../fast/routes/fake-temporal-gateway';

describe('pipelineListQuery', () => {
  it('lists every pipeline with no filter', () => {
    expect(pipelineListQuery({})).toBe("WorkflowType = 'modelPipeline'");
  });

  it('adds one equality clause per filter', () => {
    expect(pipelineListQuery({ model: 'breast-cancer', stage: 'training', submittedBy: 'alice' })).toBe(
      "WorkflowType = 'modelPipeline' AND WindsockModel = 'breast-cancer' AND WindsockStage = 'training' AND WindsockSubmittedBy = 'alice'",
    );
  });

  it("lists what an approver may approve: open, awaiting approval, someone else's (four-eyes)", () => {
    expect(pipelineListQuery({ approvableBy: 'bob' })).toBe(
      "WorkflowType = 'modelPipeline' AND ExecutionStatus = 'Running' AND WindsockStage = 'awaiting_approval' AND WindsockSubmittedBy != 'bob'",
    );
    expect(pipelineListQuery({ model: 'iris', stage: 'awaiting_approval', approvableBy: 'bob' })).toBe(
      "WorkflowType = 'modelPipeline' AND WindsockModel = 'iris' AND WindsockStage = 'awaiting_approval' AND ExecutionStatus = 'Running' AND WindsockSubmittedBy != 'bob'",
    );
  });

  it('escapes quotes and backslashes in values', () => {
    expect(queryLiteral("o'brien")).toBe("'o\\'brien'");
    expect(queryLiteral('back\\slash')).toBe("'back\\\\slash'");
    expect(queryLiteral("x' OR WindsockModel = 'iris")).toBe("'x\\' OR WindsockModel = \\'iris'");
  });

  it('keeps any submitter name one literal: no filter is broken or injected', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 20 }), (submittedBy, approvableBy) => {
        const clauses = parseListQuery(pipelineListQuery({ submittedBy, approvableBy }));
        expect(clauses).toEqual([
          { name: 'WorkflowType', op: '=', value: 'modelPipeline' },
          { name: 'WindsockSubmittedBy', op: '=', value: submittedBy },
          { name: 'ExecutionStatus', op: '=', value: 'Running' },
          { name: 'WindsockStage', op: '=', value: 'awaiting_approval' },
          { name: 'WindsockSubmittedBy', op: '!=', value: approvableBy },
        ]);
      }),
    );
  });
});
