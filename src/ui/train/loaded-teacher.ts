import { useEffect, useState } from 'react';
import type { TeacherName } from '../../core/config';
import { getEngine } from '../../client/engine';
import { useEngineStore } from '../../state/engine-store';
import { useExportStore } from '../../state/export-store';
import { useTrainStore } from '../../state/train-store';

/**
 * The teacher of the engine's current model, asked of the worker (the one place that knows: an
 * import, a run or a restored run may have replaced it), again whenever one of those changes.
 * Null until known or when the engine holds no model.
 */
export function useLoadedTeacher(): TeacherName | null {
  const ready = useEngineStore((s) => s.status === 'ready');
  const runId = useTrainStore((s) => s.session?.runId ?? null);
  const imported = useExportStore((s) => s.imported);
  const [teacher, setTeacher] = useState<TeacherName | null>(null);
  useEffect(() => {
    if (!ready) return;
    let current = true;
    getEngine()
      .sessionInfo()
      .then((info) => current && setTeacher(info?.config.teacher ?? null))
      .catch(() => current && setTeacher(null));
    return () => {
      current = false;
    };
  }, [ready, runId, imported]);
  return teacher;
}
