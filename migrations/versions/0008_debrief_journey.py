"""debrief journey: manager told, withdrawal, agreed timing, others allowed, follow-up opened early; further-support services and referrals

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 21:00:34.707295

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('support_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('how_to_reach', sa.String(length=1000), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('employee_assistance', 'occupational_health', 'clinical_psychology', 'gp', 'other')", name=op.f('ck_support_services_kind_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_services'))
    )
    op.create_table('support_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('consent_to_share', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('offered_by_id', sa.Integer(), nullable=True),
    sa.Column('offered_at', sa.DateTime(), nullable=False),
    sa.Column('followed_up_at', sa.DateTime(), nullable=True),
    sa.Column('followed_up_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("outcome = 'accepted' OR consent_to_share = false", name=op.f('ck_support_referrals_consent_only_if_accepted')),
    sa.CheckConstraint("outcome IN ('accepted', 'declined')", name=op.f('ck_support_referrals_outcome_known')),
    sa.ForeignKeyConstraint(['followed_up_by_id'], ['people.id'], name=op.f('fk_support_referrals_followed_up_by_id_people')),
    sa.ForeignKeyConstraint(['invitation_id'], ['debrief_invitations.id'], name=op.f('fk_support_referrals_invitation_id_debrief_invitations')),
    sa.ForeignKeyConstraint(['offered_by_id'], ['people.id'], name=op.f('fk_support_referrals_offered_by_id_people')),
    sa.ForeignKeyConstraint(['request_id'], ['debrief_requests.id'], name=op.f('fk_support_referrals_request_id_debrief_requests')),
    sa.ForeignKeyConstraint(['service_id'], ['support_services.id'], name=op.f('fk_support_referrals_service_id_support_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_referrals'))
    )
    with op.batch_alter_table('support_referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_referrals_invitation_id'), ['invitation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_referrals_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_referrals_service_id'), ['service_id'], unique=False)

    with op.batch_alter_table('debrief_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_opened_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_open_reason', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('manager_told', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('manager_supported_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('agreed_session_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('agreed_due_reason', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('others_allowed', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdraw_reason', sa.String(length=1000), server_default='', nullable=False))
        batch_op.add_column(sa.Column('change_asked', sa.String(length=1000), server_default='', nullable=False))
        batch_op.add_column(sa.Column('change_asked_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_debrief_requests_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_debrief_requests_status_known'), "status IN ('requested', 'accepted', 'declined', 'scheduled', 'delivered', 'closed', 'withdrawn')")
        batch_op.create_check_constraint(batch_op.f('ck_debrief_requests_others_allowed_range'),
                                         'others_allowed >= 0 AND others_allowed <= 50')



def downgrade():
    # A withdrawn request has no older status to go back to: it reads as declined, with its reason.
    op.execute("UPDATE debrief_requests SET status = 'declined', decline_reason = 'Withdrawn: ' || withdraw_reason "
               "WHERE status = 'withdrawn'")
    with op.batch_alter_table('debrief_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_debrief_requests_others_allowed_range'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_debrief_requests_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_debrief_requests_status_known'), "status IN ('requested', 'accepted', 'declined', 'scheduled', 'delivered', 'closed')")
        batch_op.drop_column('change_asked_at')
        batch_op.drop_column('change_asked')
        batch_op.drop_column('withdraw_reason')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('others_allowed')
        batch_op.drop_column('agreed_due_reason')
        batch_op.drop_column('agreed_session_due')
        batch_op.drop_column('manager_supported_at')
        batch_op.drop_column('manager_told')
        batch_op.drop_column('follow_up_open_reason')
        batch_op.drop_column('follow_up_opened_at')

    with op.batch_alter_table('support_referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_referrals_service_id'))
        batch_op.drop_index(batch_op.f('ix_support_referrals_request_id'))
        batch_op.drop_index(batch_op.f('ix_support_referrals_invitation_id'))

    op.drop_table('support_referrals')
    op.drop_table('support_services')
