"""The tick's batched notices (web.services.core.notice_batch): a waiting staff notice counted up by many
flags in one write is written once, with the final count."""
from datetime import timedelta

from sqlalchemy import event, select

from web.extensions import db
from web.models import Notice
from web.services.core.notice_batch import NoticeBatch
from web.services.core.notices import queue_notice


def test_a_waiting_notice_counted_up_by_many_flags_is_updated_once_with_the_final_count(app, make_moment, clinician,
                                                                                        clock):
    app.config["STAFF_NOTICE_MINUTES"] = 15
    clinician.notify_email, clinician.email = True, "marita@example.se"
    moment = make_moment()
    queue_notice(channel="email", recipient=clinician, template="flag_raised", now=clock(), enrollment=moment,
                 key=f"flag:{moment.id}:first:{clinician.id}:email", context={"count": 1})
    db.session.commit()
    updates = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE notice"):
            updates.append(len(parameters) if executemany else 1)

    batch = NoticeBatch(clock() + timedelta(minutes=1))
    for i in range(40):
        batch.staff_flag(clinician, moment.id, f"patient_inactivity:14:{i}")
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert batch.write() == 0  # nothing new: the waiting notice counts them
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    db.session.commit()
    assert sum(updates) == 1
    contexts = db.session.execute(select(Notice.context).where(Notice.template == "flag_raised")).scalars().all()
    assert contexts == [{"count": 41}]
