// Steering a rollout from its page: pause, resume, abort and promote-now, each a CSRF-protected form
// posted to the dashboard and sent on through the API's own POST /v1/pipelines/:id/rollout/:action
// route module (what `windsock rollout <action>` calls) as the signed-in principal. Who may press
// which is the API's to say: the forms are only shown where it would accept them, and a forged post
// gets its refusal.
import type { z } from 'zod';
import type { RolloutStatus } from '../../contracts/canary-rollout-messages';
import type { Stage } from '../../contracts/model-pipeline-messages';
import type { rolloutActionParam } from '../pipelines/pipeline-routes';
import { can, CsrfField, Notice } from './dashboard-layout';
import type { DashboardSession, Flash } from './dashboard-sessions';

/** The API's rollout actions (its route's `:action`), each a route and a form here. */
export type RolloutAction = z.infer<typeof rolloutActionParam>['action'];

/** How long the outcome of a control stays on the pipeline's pages, which reload every few seconds. */
export const FLASH_MS = 10_000;

const sent: Record<RolloutAction, string> = {
  pause: 'Pause sent: the rollout holds its traffic where it is until someone resumes it.',
  resume: 'Resume sent: the rollout carries on, and the step it was paused at bakes again in full.',
  abort: 'Abort sent: traffic goes back to the stable version and this version is marked rolled back.',
  promote: 'Promote sent: the version goes to all traffic now, without waiting for further analysis.',
};

export function controlFlash(pipelineId: string, action: RolloutAction, reason: string | undefined, now = Date.now()): Flash {
  return { pipelineId, kind: 'ok', text: `${sent[action]}${reason ? ` Reason: ${reason}` : ''}`, until: now + FLASH_MS };
}

/** The session's flash for this pipeline while it lasts; an older one is forgotten. */
export function flashFor(session: DashboardSession, pipelineId: string, now = Date.now()): Flash | undefined {
  const flash = session.flash;
  if (!flash) return undefined;
  if (flash.until <= now) {
    delete session.flash;
    return undefined;
  }
  return flash.pipelineId === pipelineId ? flash : undefined;
}

export const FlashNotice = ({ flash }: { flash: Flash | undefined }) =>
  flash ? (
    <Notice kind={flash.kind}>
      <span data-testid="flash">{flash.text}</span>
    </Notice>
  ) : null;

const ControlForm = ({ pipelineId, action, label, session, reason }: { pipelineId: string; action: RolloutAction; label: string; session: DashboardSession; reason?: boolean }) => (
  <form method="post" action={`/pipelines/${pipelineId}/rollout/${action}`}>
    <CsrfField session={session} />
    {reason ? (
      <label>
        Reason (optional)
        <input name="reason" maxlength={2000} id={`reason-${action}`} />
      </label>
    ) : null}
    <button type="submit" class={action} data-testid={`rollout-${action}`}>
      {label}
    </button>
  </form>
);

/**
 * The controls an approver sees while the pipeline is rolling out and its rollout has not ended:
 * pause or resume (whichever applies), abort, and promote now unless they submitted the pipeline
 * (four-eyes: the API refuses it). Anyone else sees the state only.
 */
export const RolloutControls = ({ pipelineId, stage, submittedBy, rollout, session }: { pipelineId: string; stage: Stage; submittedBy: string; rollout: RolloutStatus | undefined; session: DashboardSession }) => {
  if (stage !== 'rolling_out' || !rollout || rollout.outcome) return null;
  if (!can(session, 'approver')) {
    return (
      <p class="hint" data-testid="controls-read-only">
        Steering the rollout (pause, resume, abort, promote now) needs the approver role.
      </p>
    );
  }
  const own = submittedBy === session.principal.name;
  return (
    <>
      <div class="controls" data-testid="rollout-controls">
        {rollout.paused ? <ControlForm pipelineId={pipelineId} action="resume" label="Resume" session={session} /> : <ControlForm pipelineId={pipelineId} action="pause" label="Pause" session={session} reason />}
        <ControlForm pipelineId={pipelineId} action="abort" label="Abort (back to stable)" session={session} reason />
        {own ? null : <ControlForm pipelineId={pipelineId} action="promote" label="Promote now" session={session} reason />}
      </div>
      {own ? (
        <p class="hint" data-testid="promote-four-eyes">
          You submitted this pipeline: under the four-eyes rule another approver must promote it early.
        </p>
      ) : null}
    </>
  );
};
